package strip_test

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"testing"

	"github.com/golibcare/golibcare/internal/strip"
)

// TestStripTooSmallNamed: over real gcc output (an empty function is one
// ret at -O2), the refusal keeps upstream's line and adds the name.
func TestStripTooSmallNamed(t *testing.T) {
	b := fixture{dir: "tiny", fn: "hook", cflags: []string{"-O2"}}.build(t)
	in, err := os.ReadFile(b.patched)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	out, err := strip.Strip(in, strip.Log{Warn: &stderr})
	if !errors.Is(err, strip.ErrTooSmall) || out != nil {
		t.Fatalf("got %v, want ErrTooSmall", err)
	}
	want := regexp.MustCompile(`^too small function to patch at 0x[0-9a-f]+ \(hook, 1 bytes\)\n$`)
	if !want.Match(stderr.Bytes()) {
		t.Errorf("got %q, want %v", stderr.String(), want)
	}
}
