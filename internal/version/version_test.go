package version

import (
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/kpatch"
)

func TestString(t *testing.T) {
	got := Info{Version: "v1.2.3", Revision: "abc", Modified: true, Format: "KPATCH1", Go: "go1"}.String("kpatch_make")
	want := "kpatch_make (golibcare) v1.2.3\nrevision: abc (modified)\nkpatch format: KPATCH1\ngo: go1\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadFormat(t *testing.T) {
	in := Read()
	if in.Format != "KPATCH1" || !strings.HasPrefix(kpatch.Magic, in.Format) {
		t.Errorf("got format %q, want the magic of %q", in.Format, kpatch.Magic)
	}
	if in.Version == "" || in.Go == "" {
		t.Errorf("got %+v, want a version and a go version", in)
	}
}

func TestOverride(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "0.1~test"
	if got := Read().Version; got != "0.1~test" {
		t.Errorf("got %q, want the -X override", got)
	}
}
