package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/testutil"
)

// runClient runs the libcare-client binary and returns its stdout, stderr
// and exit status.
func runClient(t *testing.T, sock string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testutil.Tool(t, "libcare-client"), append([]string{sock}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// rawRequest is a LibcarePlus client: the request alone, then everything
// until EOF.
func rawRequest(t *testing.T, sock string, args ...string) []byte {
	t.Helper()
	msg, err := server.EncodeRequest(args)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientStatus: libcare-client exits with the status of the command
// on the server (0, 1 for a failure, 2 for a usage error, stderr lines on
// its stderr), while a LibcarePlus client gets the plain bytes it always
// got: the same bytes, stdout and stderr in order, with no framing.
func TestClientStatus(t *testing.T) {
	b := loopLevel1(t)
	tg := start(t, b.Binary)
	_, sock := serve(t, t.TempDir(), tg)
	tg.wait(t, "UNPATCHED")
	p := tg.p()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a part of it
		stderr string
	}{
		{"patch", []string{"patch", "-p", p, b.Kpatch}, 0, "successfully applied to PID '" + p + "'", ""},
		{"patch again", []string{"patch", "-p", p, b.Kpatch}, 1, "Failed to apply patch", "already applied"},
		{"info", []string{"info", "-p", p}, 0, "Patch id:                 0001\n", ""},
		{"unpatch unknown id", []string{"unpatch", "-p", p, "-i", "0042"}, 1, "Failed to cancel patches for " + p, "patch_id=0042"},
		{"unknown command", []string{"frobnicate"}, 2, "", "unknown command"},
		{"usage", []string{"patch", "-p", p}, 2, "", "want 1 argument"},
		{"storage missing", []string{"storage", "/nonexistent"}, 1, "", "not a directory"},
		{"storage usage", []string{"storage"}, 2, "", "usage: storage DIR"},
		{"unpatch", []string{"unpatch", "-p", p}, 0, "successfully cancelled", ""},
		{"unpatch nothing", []string{"unpatch", "-p", p}, 0, "No patch(es) cancellable", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runClient(t, sock, tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("got exit %d stdout %q stderr %q, want exit %d with %q and %q",
					code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}

	testutil.MustCtl(t, "patch", "-p", p, b.Kpatch)
	for _, args := range [][]string{{"info", "-p", p}, {"unpatch", "-p", p, "-i", "0042"}, {"frobnicate"}} {
		raw := rawRequest(t, sock, args...)
		var both bytes.Buffer
		status, framed, err := server.RequestStatus(sock, args, &both, &both)
		if err != nil || !framed {
			t.Fatalf("%q with status: got framed %v, %v", args, framed, err)
		}
		if !bytes.Equal(raw, both.Bytes()) || len(raw) == 0 || bytes.IndexByte(raw, 0) >= 0 {
			t.Errorf("%q: plain reply %q, want the same bytes as the framed one %q (status %d), no NUL", args, raw, both.Bytes(), status)
		}
	}
	testutil.MustCtl(t, "unpatch", "-p", p)
}

// TestUpdateJSON: `update --json` answers one array of patch reports;
// run again, the process is "nothing to do".
func TestUpdateJSON(t *testing.T) {
	b := loopLevel1(t)
	tg := start(t, b.Binary)
	storage := t.TempDir()
	kp, err := os.ReadFile(b.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(storage, b.BuildID+".kpatch"), kp, 0o644); err != nil {
		t.Fatal(err)
	}
	_, sock := serve(t, storage, tg)
	tg.wait(t, "UNPATCHED")
	for _, want := range []string{"applied", "nothing to do"} {
		stdout, stderr, code := runClient(t, sock, "update", "--json")
		var reps []ctl.PidReport
		if err := json.Unmarshal([]byte(stdout), &reps); err != nil || code != 0 {
			t.Fatalf("update --json: exit %d, %v\n%s%s", code, err, stdout, stderr)
		}
		if len(reps) != 1 || reps[0].Pid != tg.pid || reps[0].Result != want {
			t.Errorf("update --json: got %+v, want pid %d %q", reps, tg.pid, want)
		}
	}
	tg.wait(t, "PATCHED level 1")
	if _, stderr, code := runClient(t, sock, "update", "--bogus"); code != 2 || !strings.Contains(stderr, "usage: update [--json]") {
		t.Errorf("update --bogus: got exit %d stderr %q, want 2 and the usage", code, stderr)
	}
	testutil.MustCtl(t, "unpatch", "-p", tg.p())
}
