//go:build linux && amd64

package ctl_test

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/inspect"
	"github.com/golibcare/golibcare/internal/testutil"
)

// TestInspectJSON describes a patch that replaces tick, adds the function
// bump and the variable patched_calls and calls printf: sizes come from
// the binaries gcc built, the signature from a key made here.
func TestInspectJSON(t *testing.T) {
	dir := testutil.CopyFixture(t, "newfuncvar")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "orig.c", Patched: "patched.c"})
	keys := filepath.Join(dir, "keys")
	os.Mkdir(keys, 0o755)
	testutil.MustCtl(t, "keygen", filepath.Join(keys, "k"))
	testutil.MustCtl(t, "sign", filepath.Join(keys, "k"), pb.Kpatch)

	var r inspect.Report
	out := testutil.MustCtl(t, "inspect", "--json", "--keys", keys, pb.Kpatch).Stdout
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("inspect --json: %v\n%s", err, out)
	}
	orig, patched := symSizes(t, pb.Binary), symSizes(t, filepath.Join(dir, "orig.patched"))
	if r.ID != "0001" || r.BuildID != pb.BuildID || r.Checksum != "ok" {
		t.Errorf("got id %q, Build-ID %q, checksum %q; want 0001, %s, ok", r.ID, r.BuildID, r.Checksum, pb.BuildID)
	}
	if want := []inspect.Func{{Name: "tick", OldSize: uint32(orig["tick"]), NewSize: uint32(patched["tick.kpatch"])}}; !reflect.DeepEqual(r.Replaced, want) {
		t.Errorf("replaced: got %+v, want %+v", r.Replaced, want)
	}
	if want := []inspect.Func{{Name: "bump", NewSize: uint32(patched["bump"])}}; !reflect.DeepEqual(r.NewFuncs, want) {
		t.Errorf("new functions: got %+v, want %+v", r.NewFuncs, want)
	}
	if len(r.NewData) != 1 || !strings.Contains(r.NewData[0].Name, "patched_calls") || r.NewData[0].Size != 4 {
		t.Errorf("new data: got %+v, want patched_calls, 4 bytes", r.NewData)
	}
	if len(r.Imports) != 1 || !strings.HasPrefix(r.Imports[0], "printf@") {
		t.Errorf("imports: got %q, want printf@GLIBC_...", r.Imports)
	}
	if want := (inspect.Signature{Present: true, Valid: true, Key: "k"}); r.Signature != want {
		t.Errorf("signature: got %+v, want %+v", r.Signature, want)
	}
	out = testutil.MustCtl(t, "inspect", "--keys", filepath.Join(dir, "none"), pb.Kpatch).Stdout
	for _, l := range []string{"Replaces:                 tick (", "New function:             bump (", "Signature:                INVALID: "} {
		if !strings.Contains(out, l) {
			t.Errorf("inspect: got\n%s\nwant %q", out, l)
		}
	}
}

// TestDump runs libcare-dump on the user guide's patch (foo/bar): -H
// prints upstream's four lines, -c writes the embedded ELF, mode 0550,
// and bad command lines exit 255 with the usage.
func TestDump(t *testing.T) {
	dir := testutil.CopyFixture(t, "guide")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	dump := testutil.Tool(t, "libcare-dump")
	out := testutil.Run(t, dir, dump, "-H", "-i", pb.Kpatch)
	want := "Patch Name:               " + pb.Kpatch + "\nMagic:                    KPATCH1\n" +
		"Patch id:                 0001\nbuildid:                  " + pb.BuildID + "\n"
	if out != want {
		t.Errorf("-H: got\n%q\nwant\n%q", out, want)
	}
	elfOut := filepath.Join(dir, "foo.elf")
	testutil.Run(t, dir, dump, "-c", "-i", pb.Kpatch, "-o", elfOut)
	b, _ := os.ReadFile(pb.Kpatch)
	got, _ := os.ReadFile(elfOut)
	if !reflect.DeepEqual(got, b[504:]) {
		t.Errorf("-c: got %d bytes, want the %d after the header", len(got), len(b)-504)
	}
	if fi, err := os.Stat(elfOut); err != nil || fi.Mode().Perm() != 0o550 {
		t.Errorf("-c: output mode %v (%v), want 0550", fi.Mode().Perm(), err)
	}
	f, err := elf.Open(elfOut)
	if err != nil || f.Type != elf.ET_REL || f.Section(".kpatch.info") == nil {
		t.Errorf("-c: got %v, want an ET_REL with .kpatch.info", err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{{[]string{"-c", "-i", pb.Kpatch}, 2}, {[]string{"-H"}, 2}, {[]string{"-c", "-i", filepath.Join(dir, "foo.c"), "-o", elfOut}, 255}} {
		out, err := testutil.RunErr(dir, dump, tc.args...)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != tc.code {
			t.Errorf("%q: got %v, want exit %d\n%s", tc.args, err, tc.code, out)
		}
	}
}

// symSizes maps the symbols of an ELF file to their sizes.
func symSizes(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]uint64{}
	for _, s := range syms {
		m[s.Name] = s.Size
	}
	return m
}
