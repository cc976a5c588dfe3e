//go:build linux

package ctl

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestIsNamed matches like pidof: argv[0]'s basename, or comm, which the
// kernel cuts to 15 bytes.
func TestIsNamed(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("skipping test: %v", err)
	}
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(t.TempDir(), "golibcare-named-sleeper")
	if err := os.WriteFile(long, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: long, Args: []string{"/x/other-name", "30"}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	// Start returns at exec's point of no return (the close-on-exec pipe),
	// before the kernel has laid out the new argv: wait for cmdline.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: no cmdline after 10 s", pid)
		}
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"other-name", true}, {"golibcare-named-sleeper", true}, {"golibcare-named", true},
		{"golibcare-named-other", true}, // its head is comm, all the kernel kept
		{"golibcare", false}, {"sleep", false}, {"x", false},
	} {
		if got := isNamed(pid, tc.name); got != tc.want {
			t.Errorf("isNamed(%d, %q): got %v, want %v", pid, tc.name, got, tc.want)
		}
	}
	o := &Options{Processes: func() ([]int, error) { return []int{1, os.Getpid(), pid}, nil }}
	if pids, all, err := o.targets("name:other-name"); err != nil || all || len(pids) != 1 || pids[0] != pid {
		t.Errorf("targets(name:other-name): got %v %v %v, want [%d]", pids, all, err, pid)
	}
	if pids, _, err := o.targets("12,34"); err != nil || len(pids) != 2 {
		t.Errorf("targets(12,34): got %v %v", pids, err)
	}
}
