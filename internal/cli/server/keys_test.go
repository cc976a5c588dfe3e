package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/signature"
)

// TestKeysPolicy checks the server's signature policy: with no keys in its
// directory a patch is read as before; once a key is there, an unsigned
// patch is refused and the log says so.
func TestKeysPolicy(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "trusted.d")
	os.Mkdir(keys, 0o755)
	patch := filepath.Join(dir, "p.kpatch")
	os.WriteFile(patch, []byte("not a patch at all"), 0o644)
	run := func() (int, string, string) {
		var out, errb, log bytes.Buffer
		d := ctlDispatcher{keys: keys, log: &log}
		code := d.Run(context.Background(), []string{"patch", "-p", strconv.Itoa(os.Getpid()), patch}, &out, &errb)
		return code, errb.String(), log.String()
	}
	if code, stderr, log := run(); code != 255 || strings.Contains(stderr, "signature") || log != "" {
		t.Errorf("no keys: got exit %d, stderr %q, log %q; want 255, a format error, no log", code, stderr, log)
	}
	if _, err := signature.Generate(filepath.Join(keys, "release")); err != nil {
		t.Fatal(err)
	}
	code, stderr, log := run()
	if code != 255 || !strings.Contains(stderr, "no signature") || !strings.Contains(log, "refused") {
		t.Errorf("keys: got exit %d, stderr %q, log %q; want 255, no signature, a refused line", code, stderr, log)
	}
}
