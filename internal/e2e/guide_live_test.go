package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// guideTarget builds the guide's verbatim foo and foo.kpatch and starts foo
// with line-buffered output (stdbuf execs foo, so the pid is foo's).
func guideTarget(t *testing.T) (dir string, pid int, out *testutil.Output) {
	t.Helper()
	testutil.MustHavePtrace(t)
	dir = testutil.CopyFixture(t, "guide")
	pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "foo.c", Patched: "bar.c"})
	if err := os.Rename(pb.Kpatch, filepath.Join(dir, "foo.kpatch")); err != nil {
		t.Fatal(err)
	}
	cmd, out := testutil.StartTarget(t, "stdbuf", "-oL", filepath.Join(dir, "foo"))
	testutil.WaitOutput(t, out, "Hello world!\n", 10*time.Second)
	return dir, cmd.Process.Pid, out
}

// waitAfter waits until the output past mark holds line.
func waitAfter(t *testing.T, out *testutil.Output, mark int, line string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s := out.String(); strings.Contains(s[mark:], line+"\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("got output %q, want %q after byte %d", out.String(), line, mark)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGuideApplyVerbatim runs the user guide's "Applying" commands on the
// guide's own foo.
func TestGuideApplyVerbatim(t *testing.T) {
	dir, pid, out := guideTarget(t)
	p := fmt.Sprint(pid)
	r := testutil.MustCtl(t, "-v", "patch", "-p", p, filepath.Join(dir, "foo.kpatch"))
	if want := "1 patch hunk(s) have been successfully applied to PID '" + p + "'"; !strings.Contains(r.Stdout, want) {
		t.Errorf("patch: got %q, want a line %q", r.Stdout, want)
	}
	waitAfter(t, out, out.Len(), "Hello world being patched!")
	r = testutil.MustCtl(t, "info", "-p", p)
	for _, want := range []string{"Pid:                      " + p, "Target:                   foo",
		"Build id:                 " + testutil.MustBuildID(t, filepath.Join(dir, "foo")),
		"Applied patch number:     1", "Patch id:                 0001"} {
		if !strings.Contains(r.Stdout, want+"\n") {
			t.Errorf("info: got\n%s\nwant a line %q", r.Stdout, want)
		}
	}
	r = testutil.MustCtl(t, "unpatch", "-p", p)
	if want := "1 patch hunk(s) were successfully cancelled from PID '" + p + "'"; !strings.Contains(r.Stdout, want) {
		t.Errorf("unpatch: got %q, want a line %q", r.Stdout, want)
	}
	waitAfter(t, out, out.Len(), "Hello world!")
	testutil.CheckUntraced(t, pid)
}

// TestGuideThroughServer applies the same patch through `libcare-ctl
// server` and libcare-client, as a script using the service would.
func TestGuideThroughServer(t *testing.T) {
	dir, pid, out := guideTarget(t)
	sock := filepath.Join(t.TempDir(), "libcare.sock")
	srv := exec.Command(testutil.Tool(t, "libcare-ctl"), "server", sock, t.TempDir())
	srvOut := &testutil.Output{}
	srv.Stdout, srv.Stderr = srvOut, srvOut
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGKILL)
		srv.Wait()
	})
	waitSocket(t, sock)
	client := testutil.Tool(t, "libcare-client")
	p := fmt.Sprint(pid)
	steps := []struct {
		args []string
		want string
		line string
	}{
		{[]string{"patch", "-p", p, filepath.Join(dir, "foo.kpatch")}, "successfully applied to PID '" + p + "'", "Hello world being patched!"},
		{[]string{"info", "-p", p}, "Patch id:                 0001", ""},
		{[]string{"unpatch", "-p", p}, "successfully cancelled from PID '" + p + "'", "Hello world!"},
	}
	for _, s := range steps {
		mark := out.Len()
		got := testutil.Run(t, dir, client, append([]string{sock}, s.args...)...)
		if !strings.Contains(got, s.want) {
			t.Fatalf("libcare-client %s: got %q, want %q (server: %s)", s.args[0], got, s.want, srvOut.String())
		}
		if s.line != "" {
			waitAfter(t, out, mark, s.line)
		}
	}
	testutil.CheckUntraced(t, pid)
}

func waitSocket(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server socket %s: %v", path, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
