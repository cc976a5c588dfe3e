// Package hold stops a process that has just executed a new program at the
// program's entry point (AT_ENTRY), where ld.so has mapped every DT_NEEDED
// library and run no code of the program yet, and leaves it there in a
// job-control stop for libcare-ctl to patch (facts §8.13).
package hold

import "time"

// EntryTimeout bounds the run from exec to the entry point (upstream waits
// 1000 ms for it).
const EntryTimeout = time.Second

// Holder implements server.Holder with ptrace.
type Holder struct{}
