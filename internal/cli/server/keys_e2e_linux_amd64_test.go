package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/signature"
	"github.com/golibcare/golibcare/internal/testutil"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestKeysPolicyLive runs patch requests the way the server does, with a
// trusted key installed: an unsigned patch and one with a flipped byte
// are refused and logged, the target untouched; the signed one applies.
func TestKeysPolicyLive(t *testing.T) {
	b := loopLevel1(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "trusted.d")
	os.Mkdir(keys, 0o755)
	key := filepath.Join(dir, "release")
	if _, err := signature.Generate(key); err != nil {
		t.Fatal(err)
	}
	os.Rename(key+".pub", filepath.Join(keys, "release.pub"))
	kp := filepath.Join(dir, "loop.kpatch")
	data, _ := os.ReadFile(b.Kpatch)
	os.WriteFile(kp, data, 0o644)
	flipped := filepath.Join(dir, "flipped.kpatch")
	data[len(data)/2] ^= 0x10
	os.WriteFile(flipped, data, 0o644)

	tg := start(t, b.Binary)
	tg.wait(t, "UNPATCHED")
	log := &lockedBuffer{}
	d := ctlDispatcher{keys: keys, log: log}
	patch := func(path string) (int, string) {
		var out, errb bytes.Buffer
		code := d.Run(context.Background(), []string{"patch", "-p", tg.p(), path}, &out, &errb)
		return code, errb.String()
	}
	if code, stderr := patch(kp); code != 255 || !strings.Contains(stderr, "loop.kpatch.sig missing: no signature") {
		t.Errorf("unsigned: got exit %d, %q; want 255, no signature", code, stderr)
	}
	if err := signature.SignFile(key, kp); err != nil {
		t.Fatal(err)
	}
	os.Link(kp+".sig", flipped+".sig")
	if code, stderr := patch(flipped); code != 255 || !strings.Contains(stderr, "not signed by a trusted key") {
		t.Errorf("flipped byte: got exit %d, %q; want 255, not signed by a trusted key", code, stderr)
	}
	if n := strings.Count(log.String(), "libcare-server: refused"); n != 2 {
		t.Errorf("got log %q, want 2 refused lines", log.String())
	}
	if n := testutil.AnonExec(t, tg.pid); n != 0 {
		t.Errorf("got %d anonymous executable mappings after refusals, want 0", n)
	}
	tg.wait(t, "UNPATCHED")
	if code, stderr := patch(kp); code != 0 {
		t.Fatalf("signed: got exit %d, %q; want 0", code, stderr)
	}
	tg.wait(t, "PATCHED level 1")
}
