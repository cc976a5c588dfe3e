//go:build linux && amd64

package ctl_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestExitCodes checks the README's exit-code table on a live process:
// 0 success and "nothing to do" (with its line), 2 usage errors, 255
// failures.
func TestExitCodes(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	empty := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		line string // a line of stdout, when not empty
	}{
		{"info", []string{"info", "-p", tg.p()}, 0, ""},
		{"patch nothing applicable", []string{"patch", "-p", tg.p(), empty}, 0,
			fmt.Sprintf("No patch(es) applicable to PID '%d' have been found", tg.pid)},
		{"unpatch nothing applied", []string{"unpatch", "-p", tg.p()}, 0,
			fmt.Sprintf("No patch(es) cancellable from PID '%d' were found", tg.pid)},
		{"unpatch --patch nothing applied", []string{"unpatch", "-p", tg.p(), "--patch", pb.Kpatch}, 0,
			fmt.Sprintf("No patch(es) cancellable from PID '%d' were found", tg.pid)},
		{"unpatch unknown id", []string{"unpatch", "-p", tg.p(), "-i", "0042"}, 255, ""},
		{"unpatch unknown id idempotent", []string{"unpatch", "-p", tg.p(), "-i", "0042", "--idempotent"}, 0,
			fmt.Sprintf("No patch(es) cancellable from PID '%d' were found", tg.pid)},
		{"no such pid", []string{"info", "-p", "999999999"}, 255, ""},
		{"no such name", []string{"info", "-p", "name:no-such-process-here"}, 255, ""},
		{"missing -p", []string{"info"}, 2, ""},
		{"bad pid", []string{"patch", "-p", "12x", pb.Kpatch}, 2, ""},
		{"unknown command", []string{"frobnicate"}, 2, ""},
		{"no command", []string{}, 2, ""},
		{"unknown flag", []string{"info", "-p", tg.p(), "--frob"}, 2, ""},
		{"missing patch", []string{"patch", "-p", tg.p()}, 2, ""},
		{"unpatch all without -i", []string{"unpatch", "-p", "all"}, 2, ""},
		{"-i and --patch", []string{"unpatch", "-p", tg.p(), "-i", "1", "--patch", pb.Kpatch}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := testutil.Ctl(t, tc.args...)
			if r.Code != tc.code {
				t.Fatalf("%q: got exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tc.args, r.Code, tc.code, r.Stdout, r.Stderr)
			}
			if tc.line != "" {
				wantLines(t, r.Stdout, tc.line)
			}
		})
	}
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings, want 0", n)
	}
}

// TestUnpatchAllRefused: `unpatch -p all` without -i, --patch or
// --everything is a usage error that changes no process.
func TestUnpatchAllRefused(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	r := testutil.Ctl(t, "unpatch", "-p", "all")
	if r.Code != ctl.ExitUsage || !strings.Contains(r.Stderr, "needs -i ID, --patch FILE|DIR, or --everything") {
		t.Errorf("got exit %d stderr %q, want %d and the reason", r.Code, r.Stderr, ctl.ExitUsage)
	}
	if r.Stdout != "" {
		t.Errorf("got stdout %q, want nothing (no process visited)", r.Stdout)
	}
	if pi := info(t, tg.pid); len(pi.Objects) != 1 {
		t.Errorf("after the refused unpatch: got %+v, want the patch still applied", pi)
	}
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
}

// TestIdempotent: an applied id is refused, unless --idempotent and the
// same file is applied; a changed file with that id is still refused.
func TestIdempotent(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	testutil.MustCtl(t, "patch", "-p", tg.p(), pb.Kpatch)

	r := testutil.Ctl(t, "patch", "-p", tg.p(), pb.Kpatch)
	if r.Code != 255 || !strings.Contains(r.Stderr, "A patch with patch-id(0001) is already applied by foo") {
		t.Errorf("again: got exit %d stderr %q, want 255 and already applied", r.Code, r.Stderr)
	}
	r = testutil.MustCtl(t, "patch", "--idempotent", "-p", tg.p(), pb.Kpatch)
	wantLines(t, r.Stdout,
		fmt.Sprintf("Patch '0001' is already applied to 'foo' of PID '%d' from the same file", tg.pid),
		fmt.Sprintf("No patch(es) applicable to PID '%d' have been found", tg.pid))

	// Same id and Build-ID, another build time: another file.
	b, err := os.ReadFile(pb.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	const buildTimeOff = 136 // struct kpatch_file: magic, id, flags, pad, modulename, buildid, pad
	b[buildTimeOff] ^= 0xff
	other := filepath.Join(dir, "other.kpatch")
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = testutil.Ctl(t, "patch", "--idempotent", "-p", tg.p(), other)
	if r.Code != 255 || !strings.Contains(r.Stderr, "already applied") {
		t.Errorf("other file: got exit %d stderr %q, want 255 and already applied", r.Code, r.Stderr)
	}
	if pi := info(t, tg.pid); len(pi.Objects) != 1 || len(pi.Objects[0].Patches) != 1 {
		t.Errorf("got %+v, want one patch", pi)
	}
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
}

// TestJSON checks the shape of --json of patch, info (one pid, name:
// with two, --objects) and unpatch.
func TestJSON(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	name := fmt.Sprintf("lcjson%d", os.Getpid()%100000)
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c", Out: name})
	tg1, tg2 := startTarget(t, pb.Binary), startTarget(t, pb.Binary)
	tg1.wait(t, "Hello world!\n")
	tg2.wait(t, "Hello world!\n")

	var reps []ctl.PidReport
	decode(t, testutil.MustCtl(t, "patch", "--json", "-p", tg1.p(), pb.Kpatch).Stdout, &reps)
	if len(reps) != 1 || reps[0].Pid != tg1.pid || reps[0].Result != "applied" || len(reps[0].Patches) != 1 {
		t.Fatalf("patch --json: got %+v, want one applied pid", reps)
	}
	p := reps[0].Patches[0]
	if p.Object != name || p.BuildID != pb.BuildID || p.ID != "0001" || len(p.Hunks) != 1 ||
		p.Hunks[0].Name != "print_hello" || p.Hunks[0].Daddr == 0 || p.Address == 0 || reps[0].FrozenUs <= 0 {
		t.Errorf("patch --json: got %+v, want object %s, its Build-ID, one hunk print_hello, addresses, frozen time", reps[0], name)
	}

	var pis []apply.ProcessInfo
	decode(t, testutil.MustCtl(t, "info", "--json", "-p", tg2.p()).Stdout, &pis)
	if len(pis) != 1 || pis[0].Pid != tg2.pid || len(pis[0].Objects) != 0 {
		t.Errorf("info --json of an unpatched pid: got %+v, want an array of one with no objects", pis)
	}
	decode(t, testutil.MustCtl(t, "info", "--json", "-p", "name:"+name).Stdout, &pis)
	if len(pis) != 2 || pis[0].Pid+pis[1].Pid != tg1.pid+tg2.pid {
		t.Errorf("info --json -p name:%s: got %+v, want pids %d and %d", name, pis, tg1.pid, tg2.pid)
	}
	decode(t, testutil.MustCtl(t, "info", "--json", "--objects", "-p", tg2.p()).Stdout, &pis)
	main, libc := findObject(pis[0].Objects, name), findObject(pis[0].Objects, "libc.so.6")
	if main == nil || main.Path != pb.Binary || main.BuildID != pb.BuildID || main.Patches == nil || len(main.Patches) != 0 {
		t.Errorf("info --objects: got %+v, want %s with path %s and Build-ID %s, no patches", main, name, pb.Binary, pb.BuildID)
	}
	if libc == nil || libc.BuildID == "" || !strings.HasPrefix(libc.Path, "/") {
		t.Errorf("info --objects: got libc %+v, want its path and Build-ID", libc)
	}
	text := testutil.MustCtl(t, "info", "--objects", "-p", tg1.p()).Stdout
	wantLines(t, text, fmt.Sprintf("%-25s %s", "Path:", pb.Binary), fmt.Sprintf("%-25s %s", "Build id:", pb.BuildID),
		fmt.Sprintf("%-25s %s", "Patch id:", "0001"), fmt.Sprintf("%-25s %s", "Applied patch number:", "0"))

	decode(t, testutil.MustCtl(t, "unpatch", "--json", "-p", "name:"+name).Stdout, &reps)
	if len(reps) != 2 {
		t.Fatalf("unpatch --json: got %+v, want two pids", reps)
	}
	for _, r := range reps {
		want, n := "nothing to do", 0
		if r.Pid == tg1.pid {
			want, n = "cancelled", 1
		}
		if r.Result != want || len(r.Patches) != n || r.Error != "" {
			t.Errorf("unpatch --json: pid %d: got %+v, want %q with %d patch(es)", r.Pid, r, want, n)
		}
	}
	tg1.skip()
	tg1.wait(t, "Hello world!\n")
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}

func findObject(objs []apply.ObjectInfo, name string) *apply.ObjectInfo {
	for i := range objs {
		if objs[i].Name == name {
			return &objs[i]
		}
	}
	return nil
}

// TestWaitedJSON: a patch of a function that is on the stack two thirds
// of the time reports, in --json, the time spent waiting for it apart from
// the frozen time (a run that found it free at once waited 0: try again).
func TestWaitedJSON(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "busy.c", Patched: "busy.patched.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "start\n")
	for try := 0; try < 12; try++ {
		var reps []ctl.PidReport
		decode(t, testutil.MustCtl(t, "patch", "--json", "-p", tg.p(), pb.Kpatch).Stdout, &reps)
		testutil.MustCtl(t, "unpatch", "-p", tg.p())
		if len(reps) != 1 || reps[0].Result != "applied" || reps[0].FrozenUs <= 0 {
			t.Fatalf("patch --json: got %+v, want applied with a frozen time", reps)
		}
		if reps[0].WaitedUs > 0 {
			return
		}
	}
	t.Errorf("12 patches of a function busy two thirds of the time: got waited_time_us 0 each time, want a wait")
}
