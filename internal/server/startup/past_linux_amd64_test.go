package startup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestEntryTimeout checks the guess of whether a process ran past its
// entry point: one stopped in a library constructor (before) and one
// sleeping in main (after).
func TestEntryTimeout(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	root, dir := testutil.RepoRoot(t), t.TempDir()
	loop, slow := filepath.Join(dir, "loop"), filepath.Join(dir, "slowinit.so")
	testutil.Run(t, dir, "gcc", "-O2", "-o", loop, filepath.Join(root, "fixtures", "server", "loop.c"))
	testutil.Run(t, dir, "gcc", "-shared", "-fPIC", "-o", slow, filepath.Join(root, "fixtures", "server", "slowinit.c"))
	tests := []struct {
		name  string
		ready string // output that shows the process got where we want it
		env   []string
		want  time.Duration
	}{
		{"in a constructor", "", []string{"LD_PRELOAD=" + slow}, EntryTimeout},
		{"in main", "UNPATCHED", nil, shortEntryTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(loop)
			cmd.Env = append(os.Environ(), tt.env...)
			out := &testutil.Output{}
			cmd.Stdout = out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			pid := cmd.Process.Pid
			if tt.ready != "" {
				testutil.WaitOutput(t, out, tt.ready, waitTimeout)
			} else {
				waitMapped(t, pid, slow)
			}
			p, err := ptrace.Seize(pid)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Detach()
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			regs, err := p.Regs(pid)
			if err != nil {
				t.Fatal(err)
			}
			if out.Len() != 0 && tt.ready == "" {
				t.Fatalf("main ran already: %q", out.String())
			}
			entry := auxvEntry(t, pid)
			if got := entryTimeout(p, regs.Rsp, entry); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func auxvEntry(t *testing.T, pid int) uint64 {
	t.Helper()
	auxv, err := procfs.ReadAuxv(pid)
	if err != nil || auxv[_AT_ENTRY] == 0 {
		t.Fatalf("AT_ENTRY of %d: %v", pid, err)
	}
	return auxv[_AT_ENTRY]
}

// waitMapped waits until the loader has mapped lib into pid.
func waitMapped(t *testing.T, pid int, lib string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		if strings.Contains(string(b), lib) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not mapped into %d", lib, pid)
		}
		time.Sleep(time.Millisecond)
	}
}
