package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/audit"
	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/testutil"
)

// auto is a server with its automatic part running (as `libcare-ctl
// server` runs it), restricted to the test's own targets, with its kill
// switch files in the test's directory and its audit trail in JSON.
type auto struct {
	s       *server.Server
	sock    string
	trail   *syncBuf
	cmdline string // kill switch files
	off     string
	stop    func()
}

func newAuto(t *testing.T) *auto {
	t.Helper()
	dir := t.TempDir()
	a := &auto{sock: filepath.Join(dir, "libcare.sock"), trail: &syncBuf{b: &bytes.Buffer{}},
		cmdline: filepath.Join(dir, "cmdline"), off: filepath.Join(dir, "disabled")}
	if err := os.WriteFile(a.cmdline, []byte("BOOT_IMAGE=/vmlinuz ro quiet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

// start starts the server: Restore (the first update) runs before it
// serves, as in Run.
func (a *auto) start(t *testing.T, storage string, tgs ...*target) {
	t.Helper()
	trail, err := audit.NewLogger(a.trail, audit.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	procs := func() []int {
		var pids []int
		for _, tg := range tgs {
			pids = append(pids, tg.pid)
		}
		return pids
	}
	ln, err := server.Listen(a.sock)
	if err != nil {
		t.Fatal(err)
	}
	a.s = server.New(server.Config{Dispatcher: ctlDispatcher{audit: trail}, Storage: storage, Log: testLog{t},
		Processes: procs, Audit: trail, Cmdline: a.cmdline, DisabledFile: a.off})
	ctx, cancel := context.WithCancel(context.Background())
	a.s.Restore(ctx)
	done := make(chan error, 1)
	go func() { done <- a.s.Serve(ctx, ln) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		a.s.Stop()
		select {
		case <-done:
		case <-time.After(waitTime):
			t.Error("server did not stop")
		}
	}
	t.Cleanup(stop)
	a.stop = stop
}

// records returns the audit records so far whose msg contains msg.
func (a *auto) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	a.trail.mu.Lock()
	defer a.trail.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(a.trail.b.Bytes()))
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit record %q: %v", sc.Text(), err)
		}
		if strings.Contains(r["msg"].(string), msg) {
			out = append(out, r)
		}
	}
	return out
}

// storeCmd runs `libcare-ctl store ...` in process.
func storeCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := ctl.NewCmd(&out, &errb)
	root.SetArgs(append([]string{"store"}, args...))
	err := root.Execute()
	return out.String() + errb.String(), err
}

func mustStore(t *testing.T, args ...string) string {
	t.Helper()
	out, err := storeCmd(t, args...)
	if err != nil {
		t.Fatalf("store %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func patchesOf(t *testing.T, sock string, tg *target) []apply.PatchInfo {
	t.Helper()
	var infos []apply.ProcessInfo
	out := client(t, sock, "info", "-p", tg.p(), "--json")
	if err := json.Unmarshal([]byte(out), &infos); err != nil {
		t.Fatalf("info %q: %v", out, err)
	}
	var ps []apply.PatchInfo
	for _, info := range infos {
		for _, o := range info.Objects {
			ps = append(ps, o.Patches...)
		}
	}
	return ps
}

// TestE2EStoreCommands: store add writes the upstream layout exactly (a
// flat file, levels with latest on the highest), list reports it, bad
// files are refused and leave nothing, remove takes a level or all.
func TestE2EStoreCommands(t *testing.T) {
	l1, l2 := loopLevel1(t), loopLevel2(t)
	dir := filepath.Join(t.TempDir(), "storage")
	bid := l1.BuildID
	mustStore(t, "add", "--store", dir, l1.Kpatch)
	mustStore(t, "add", "--store", dir, "--level", "2", l2.Kpatch)
	mustStore(t, "add", "--store", dir, "--level", "1", l1.Kpatch)
	want := []string{bid + ".kpatch", bid + "/", bid + "/1/", bid + "/1/kpatch.bin", bid + "/2/", bid + "/2/kpatch.bin", bid + "/latest -> 2"}
	wantTree(t, dir, want...)
	for _, f := range []struct{ stored, orig string }{{bid + ".kpatch", l1.Kpatch}, {bid + "/2/kpatch.bin", l2.Kpatch}} {
		a, _ := os.ReadFile(filepath.Join(dir, f.stored))
		b, _ := os.ReadFile(f.orig)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: not a copy of %s", f.stored, f.orig)
		}
	}
	var list []struct {
		BuildID string `json:"build_id"`
		Level   int    `json:"level"`
		ID      string `json:"id"`
		Latest  bool   `json:"latest"`
	}
	if err := json.Unmarshal([]byte(mustStore(t, "list", "--store", dir, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list {
		got = append(got, fmt.Sprintf("%v %d %s %v", e.BuildID == bid, e.Level, e.ID, e.Latest))
	}
	if w := []string{"true 0 0001 false", "true 1 0001 false", "true 2 0002 true"}; !slices.Equal(got, w) {
		t.Errorf("list: got %q, want %q", got, w)
	}

	// Refused: not a kpatch, a header whose Build-ID is a path.
	bad := filepath.Join(t.TempDir(), "bad.kpatch")
	b, _ := os.ReadFile(l1.Kpatch)
	copy(b[buildIDOffset:], "../../../../tmp/x\x00")
	os.WriteFile(bad, b, 0o644)
	notKpatch := filepath.Join(t.TempDir(), "x.kpatch")
	os.WriteFile(notKpatch, []byte("#!/bin/sh\n"), 0o644)
	for _, f := range []string{bad, notKpatch} {
		if out, err := storeCmd(t, "add", "--store", dir, "--level", "3", f); err == nil {
			t.Errorf("store add %s: succeeded, want a refusal\n%s", f, out)
		}
	}
	wantTree(t, dir, want...)

	mustStore(t, "remove", "--store", dir, "--level", "2", bid)
	wantTree(t, dir, bid+".kpatch", bid+"/", bid+"/1/", bid+"/1/kpatch.bin", bid+"/latest -> 1")
	mustStore(t, "remove", "--store", dir, bid)
	wantTree(t, dir)
}

// buildIDOffset is the offset of build_id in struct kpatch_file.
const buildIDOffset = 8 + 8 + 1 + 1 + 6 + 64

func wantTree(t *testing.T, dir string, want ...string) {
	t.Helper()
	got := testutil.Tree(t, dir)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("storage:\ngot  %q\nwant %q", got, want)
	}
}

// TestE2ERestore: a server started while the target runs patches it with
// no client call; a second server (a restart) finds it up to date.
func TestE2ERestore(t *testing.T) {
	l1 := loopLevel1(t)
	storage := t.TempDir()
	mustStore(t, "add", "--store", storage, "--level", "1", l1.Kpatch)
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	a := newAuto(t)
	a.start(t, storage, tg)
	tg.wait(t, "PATCHED level 1")
	a.stop()
	b := newAuto(t)
	b.start(t, storage, tg)
	if ps := patchesOf(t, b.sock, tg); len(ps) != 1 || ps[0].Level != 1 {
		t.Errorf("after a restart: got patches %+v, want one at level 1", ps)
	}
	if rs := a.records(t, "libcare patch"); len(rs) != 1 || rs[0]["trigger"] != "start" || rs[0]["result"] != "ok" {
		t.Errorf("audit of the first server: got %v, want one patch triggered by start", rs)
	}
}

// TestE2EStorageChanges: with the server running, what the store commands
// do reaches the running target: a patch added, a higher level, a level
// disabled (back to the one below), the patch disabled (unpatched) and
// enabled again.
func TestE2EStorageChanges(t *testing.T) {
	l1, l2 := loopLevel1(t), loopLevel2(t)
	storage := t.TempDir()
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	a := newAuto(t)
	a.start(t, storage, tg)
	bid := l1.BuildID
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"add", "--level", "1", l1.Kpatch}, "PATCHED level 1"},
		{[]string{"add", "--level", "2", l2.Kpatch}, "PATCHED level 2"},
		{[]string{"disable", "--level", "2", bid}, "PATCHED level 1"},
		{[]string{"enable", "--level", "2", bid}, "PATCHED level 2"},
		{[]string{"disable", bid}, "UNPATCHED"},
		{[]string{"enable", bid}, "PATCHED level 2"},
	}
	for _, st := range steps {
		mustStore(t, append(st.args[:1:1], append([]string{"--store", storage}, st.args[1:]...)...)...)
		tg.wait(t, st.want)
		tg.wait(t, st.want) // a line printed after the change, not one before it
	}
	if ps := patchesOf(t, a.sock, tg); len(ps) != 1 || ps[0].Level != 2 {
		t.Errorf("got patches %+v, want one at level 2", ps)
	}
}

// TestE2EStorageMadeLater: a storage directory that does not exist when
// the server starts is watched once it does.
func TestE2EStorageMadeLater(t *testing.T) {
	l1 := loopLevel1(t)
	storage := filepath.Join(t.TempDir(), "later")
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	a := newAuto(t)
	a.start(t, storage, tg)
	// The server says so once its watcher has found nothing; only then
	// is the directory made (made earlier, it would simply be watched).
	for deadline := time.Now().Add(waitTime); len(a.records(t, "storage not watched")) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no record says the storage is not watched")
		}
		time.Sleep(10 * time.Millisecond)
	}
	mustStore(t, "add", "--store", storage, l1.Kpatch)
	tg.wait(t, "PATCHED level 1")
	if rs := a.records(t, "storage not watched"); len(rs) != 1 {
		t.Errorf("got records %v, want one saying the storage is not watched", rs)
	}
}

// TestE2EKillSwitch: libcare.enable=0 on the kernel command line, or the
// disabled file, keeps the server from patching on its own (and it says
// why); a client's update still works.
func TestE2EKillSwitch(t *testing.T) {
	l1 := loopLevel1(t)
	storage := t.TempDir()
	mustStore(t, "add", "--store", storage, l1.Kpatch)
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	for _, how := range []string{"cmdline", "file"} {
		t.Run(how, func(t *testing.T) {
			a := newAuto(t)
			want := "libcare.enable=0"
			if how == "cmdline" {
				os.WriteFile(a.cmdline, []byte("ro quiet libcare.enable=0 splash\n"), 0o644)
			} else {
				os.WriteFile(a.off, nil, 0o644)
				want = a.off
			}
			a.start(t, storage, tg)
			if ps := patchesOf(t, a.sock, tg); len(ps) != 0 {
				t.Fatalf("kill switch on: got patches %+v, want none", ps)
			}
			rs := a.records(t, "automatic patching is off")
			if len(rs) != 1 || !strings.Contains(fmt.Sprint(rs[0]["reason"]), want) {
				t.Errorf("got records %v, want one naming %q", rs, want)
			}
			wantIn(t, client(t, a.sock, "update"), "successfully applied to PID '"+tg.p()+"'")
			tg.wait(t, "PATCHED level 1")
			wantIn(t, client(t, a.sock, "unpatch", "-p", tg.p()), "successfully cancelled")
			tg.wait(t, "UNPATCHED")
		})
	}
}

// TestE2EAudit: the JSON audit records of a client's patch and of a
// refused (corrupted) patch file carry the fields.
func TestE2EAudit(t *testing.T) {
	l1 := loopLevel1(t)
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	a := newAuto(t)
	a.start(t, t.TempDir(), tg)
	wantIn(t, client(t, a.sock, "patch", "-p", tg.p(), l1.Kpatch), "successfully applied")
	tg.wait(t, "PATCHED level 1")
	bad := filepath.Join(t.TempDir(), "bad.kpatch")
	b, _ := os.ReadFile(l1.Kpatch)
	b[0] ^= 0xff // bad magic
	os.WriteFile(bad, b, 0o644)
	server.Request(a.sock, []string{"patch", "-p", tg.p(), bad}, io.Discard)
	rs := a.records(t, "libcare patch")
	if len(rs) != 2 {
		t.Fatalf("got records %v, want 2", rs)
	}
	ok, refused := rs[0], rs[1]
	exe, _ := os.Readlink("/proc/" + tg.p() + "/exe")
	for k, want := range map[string]any{"op": "patch", "pid": float64(tg.pid), "comm": filepath.Base(l1.Binary)[:min(15, len(filepath.Base(l1.Binary)))],
		"object": filepath.Base(exe), "build_id": l1.BuildID, "patch_id": "0001", "level": float64(0), "hunks": float64(1),
		"result": "ok", "client_uid": float64(0), "file": l1.Kpatch} {
		if ok[k] != want {
			t.Errorf("patch record %s: got %v, want %v", k, ok[k], want)
		}
	}
	if s, _ := ok["stopped_us"].(float64); s <= 0 {
		t.Errorf("patch record stopped_us: got %v, want > 0", ok["stopped_us"])
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(ok["time"])); err != nil {
		t.Errorf("patch record time: %v", err)
	}
	if refused["result"] != "error" || refused["error"] == nil || refused["pid"] != float64(tg.pid) || refused["client_uid"] != float64(0) || refused["file"] != bad {
		t.Errorf("refused patch record: got %v", refused)
	}
}

// TestRunNotify: Run tells systemd it is ready (READY=1 on $NOTIFY_SOCKET)
// once its first update is done, and the audit trail says why automatic
// patching is off when the kill switch file exists.
func TestRunNotify(t *testing.T) {
	dir := t.TempDir()
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: filepath.Join(dir, "notify"), Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	t.Setenv("NOTIFY_SOCKET", filepath.Join(dir, "notify"))
	t.Setenv("GOLIBCARE_DISABLED_FILE", filepath.Join(dir, "disabled"))
	os.WriteFile(filepath.Join(dir, "disabled"), nil, 0o644)
	var log syncBuf
	log.b = &bytes.Buffer{}
	trail, _ := audit.NewLogger(&log, audit.FormatJSON)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := &Options{Socket: filepath.Join(dir, "s.sock"), Storage: t.TempDir(), Stderr: &log, Audit: trail, Dispatcher: echo{}}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	notify.SetReadDeadline(time.Now().Add(waitTime))
	b := make([]byte, 64)
	n, err := notify.Read(b)
	if err != nil || string(b[:n]) != "READY=1" {
		t.Errorf("notify: got %q, %v; want READY=1", b[:n], err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if !strings.Contains(log.b.String(), `"msg":"libcare server: automatic patching is off","reason":"kill switch: `+filepath.Join(dir, "disabled")+` exists"`) {
		t.Errorf("log %q: want the kill switch record", log.b.String())
	}
}

// TestE2ECtlAudit: `libcare-ctl --audit --log-format json patch` writes
// the record of the patch to standard error, with no client fields.
func TestE2ECtlAudit(t *testing.T) {
	l1 := loopLevel1(t)
	tg := start(t, l1.Binary)
	tg.wait(t, "UNPATCHED")
	var out, errb bytes.Buffer
	root := ctl.NewCmd(&out, &errb)
	root.SetArgs([]string{"--audit", "--log-format", "json", "patch", "-p", tg.p(), l1.Kpatch})
	if err := root.Execute(); err != nil {
		t.Fatalf("patch: %v\n%s%s", err, out.String(), errb.String())
	}
	tg.wait(t, "PATCHED level 1")
	var r map[string]any
	if err := json.Unmarshal(errb.Bytes(), &r); err != nil {
		t.Fatalf("stderr %q: %v", errb.String(), err)
	}
	if r["op"] != "patch" || r["pid"] != float64(tg.pid) || r["build_id"] != l1.BuildID || r["result"] != "ok" || r["hunks"] != float64(1) {
		t.Errorf("record: got %v", r)
	}
	if _, ok := r["client_uid"]; ok {
		t.Errorf("record: got client_uid from the command line: %v", r)
	}
}
