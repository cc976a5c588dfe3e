// Package startup patches a process that has just executed a new program
// before any code of the program runs (facts §8.13): it seizes the process,
// lets it run to the program's entry point (AT_ENTRY, by then ld.so has
// mapped every DT_NEEDED library), and applies the patches of a storage
// directory while the process stays stopped there, through the same
// internal/apply code as libcare-ctl.
//
// The process is seized and interrupted at once (ptrace.SeizeStopped, on a
// tracer thread started ahead by Prestart) and kept in a ptrace-stop
// throughout, which its parent does not see: no SIGSTOP, so a shell's job
// control is not disturbed.
package startup

import (
	"log/slog"
	"time"
)

// EntryTimeout bounds the run from exec to the entry point (upstream waits
// 1000 ms for it).
const EntryTimeout = time.Second

// Patcher implements server.EntryPatcher.
type Patcher struct {
	Verbose bool  // print libcare-ctl's -v detail too
	MaxSize int64 // largest patch file to read (0: kpatch.DefaultMaxSize)
	// Audit, if set, gets the record of each patch (internal/audit).
	Audit *slog.Logger
}
