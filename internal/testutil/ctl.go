package testutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
)

// CtlResult is the outcome of one libcare-ctl run.
type CtlResult struct {
	Stdout, Stderr string
	Code           int
}

// Ctl runs the libcare-ctl built by Tool with a deadline and returns its
// output and exit status.
func Ctl(t testing.TB, args ...string) CtlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, Tool(t, "libcare-ctl"), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := CtlResult{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("libcare-ctl %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("libcare-ctl %s: timed out\n%s%s", strings.Join(args, " "), r.Stdout, r.Stderr)
	}
	return r
}

// MustCtl runs libcare-ctl and fails the test unless it exits 0.
func MustCtl(t testing.TB, args ...string) CtlResult {
	t.Helper()
	r := Ctl(t, args...)
	if r.Code != 0 {
		t.Fatalf("libcare-ctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Code, r.Stdout, r.Stderr)
	}
	return r
}

// ProcessText returns the bytes of every executable mapping of path in
// process pid, keyed by start address, to compare code before and after.
func ProcessText(t testing.TB, pid int, path string) map[uint64][]byte {
	t.Helper()
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[uint64][]byte{}
	for _, m := range maps {
		if m.Path != path || !m.Exec() {
			continue
		}
		b := make([]byte, m.Size())
		if _, err := f.ReadAt(b, int64(m.Start)); err != nil {
			t.Fatalf("read %s text at %#x: %v", path, m.Start, err)
		}
		out[m.Start] = b
	}
	if len(out) == 0 {
		t.Fatalf("no executable mapping of %s in pid %d", path, pid)
	}
	return out
}

// AnonExec counts the anonymous executable mappings of pid (patch regions
// and leftovers of failed patching).
func AnonExec(t testing.TB, pid int) int {
	t.Helper()
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range maps {
		if m.Inode == 0 && m.Path == "" && m.Exec() {
			n++
		}
	}
	return n
}

// CheckUntraced fails the test when pid is traced, stopped or dead (a
// zombie: a test's target is reaped only by its cleanup).
func CheckUntraced(t testing.TB, pid int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		if f[0] == "TracerPid:" && f[1] != "0" {
			t.Errorf("pid %d: got TracerPid %s, want 0", pid, f[1])
		}
		if f[0] == "State:" && strings.Contains("tTZX", f[1]) {
			t.Errorf("pid %d: got state %s, want running or sleeping", pid, f[1])
		}
	}
}
