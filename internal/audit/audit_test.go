package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/apply"
)

func records(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("record %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestLog: one record per patch with its fields, one for an operation
// that changed nothing, with the caller's attributes.
func TestLog(t *testing.T) {
	var b bytes.Buffer
	l, err := NewLogger(&b, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	l = l.With(Caller{UID: 0, Pid: 42}.Attrs()...)
	pid := os.Getpid()
	res := &apply.Result{Count: 2, Frozen: 1500 * time.Microsecond, Waited: 20 * time.Millisecond, Patches: []apply.PatchInfo{
		{ID: "0001", Object: "foo", BuildID: "ab", Level: 2, Hunks: make([]apply.Hunk, 3)},
		{ID: "0002", Object: "libbar.so", BuildID: "cd"},
	}}
	Log(l, Op{Kind: "patch", Pid: pid, File: "/s", Res: res})
	Log(l, Op{Kind: "unpatch", Pid: pid, Err: errors.New("pid 1: no patch")})
	Log(nil, Op{Kind: "patch"}) // off: no record, no panic
	rs := records(t, &b)
	if len(rs) != 3 {
		t.Fatalf("got %d records, want 3", len(rs))
	}
	want := map[string]any{"op": "patch", "pid": float64(pid), "file": "/s", "object": "foo", "build_id": "ab",
		"patch_id": "0001", "level": float64(2), "hunks": float64(3), "stopped_us": float64(1500), "waited_us": float64(20000), "result": "ok",
		"client_uid": float64(0), "client_pid": float64(42), "msg": "libcare patch"}
	for k, v := range want {
		if rs[0][k] != v {
			t.Errorf("record 0 %s: got %v, want %v", k, rs[0][k], v)
		}
	}
	if rs[0]["comm"] == "" || rs[0]["time"] == nil {
		t.Errorf("record 0: no comm or time: %v", rs[0])
	}
	if rs[1]["object"] != "libbar.so" {
		t.Errorf("record 1: got %v", rs[1])
	}
	if rs[2]["result"] != "error" || rs[2]["error"] != "pid 1: no patch" || rs[2]["op"] != "unpatch" {
		t.Errorf("record 2: got %v", rs[2])
	}
}

func TestCaller(t *testing.T) {
	ctx := WithCaller(context.Background(), Caller{Trigger: "start"})
	c, ok := CallerOf(ctx)
	if !ok || c.Trigger != "start" {
		t.Errorf("got %+v, %v", c, ok)
	}
	if _, ok := CallerOf(context.Background()); ok {
		t.Error("caller in an empty context")
	}
	if _, err := NewLogger(nil, "xml"); err == nil {
		t.Error("format xml accepted")
	}
}
