package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// ManualOpts describes one run of the user guide's manual patch flow.
type ManualOpts struct {
	Dir     string   // working directory holding the sources
	Orig    string   // original C source, relative to Dir
	Patched string   // patched C source, relative to Dir
	CFlags  []string // for both gcc -S runs
	LDFlags []string // for both links (after the objects)
	Shared  bool     // build lib<Out>.so with -fPIC -shared instead of a program
	Out     string   // program name (default: Orig without .c)
	ID      string   // patch id (default: kpatch_make's default)
}

// PatchBuild is what BuildManualPatch produced.
type PatchBuild struct {
	Dir     string
	Binary  string // the original program or library, to run or load
	Kpatch  string // its patch
	BuildID string // Build-ID of Binary
}

// BuildManualPatch runs the user guide's "Manual Creation" commands with
// the project's own tools:
//
//	gcc -S orig.c; gcc -S patched.c; sed -i 's/patched.c/orig.c/' patched.s
//	kpatch_gensrc --os=rhel6 -i orig.s -i patched.s -o out.s --force-global
//	gcc -o prog orig.s; gcc -o prog.patched out.s -Wl,-q
//	kpatch_strip --strip / --rel-fixup, strip --strip-unneeded, kpatch_strip --undo-link
//	kpatch_make -b <Build-ID of prog> prog.stripped -o prog.kpatch
func BuildManualPatch(t testing.TB, o ManualOpts) *PatchBuild {
	t.Helper()
	MustHaveGCC(t)
	gensrc, kstrip, kmake := Tool(t, "kpatch_gensrc"), Tool(t, "kpatch_strip"), Tool(t, "kpatch_make")
	base := strings.TrimSuffix(o.Orig, ".c")
	out := o.Out
	if out == "" {
		out = base
	}
	var extra []string
	if o.Shared {
		out = "lib" + out + ".so"
		extra = []string{"-fPIC", "-shared"}
	}
	origS, patchedS, genS := base+".orig.s", base+".patched.s", base+".kpatch.s"
	cc := func(args ...string) { Run(t, o.Dir, "gcc", args...) }
	cc(append(append(append([]string{}, o.CFlags...), extra...), "-S", o.Orig, "-o", origS)...)
	cc(append(append(append([]string{}, o.CFlags...), extra...), "-S", o.Patched, "-o", patchedS)...)
	renameSource(t, filepath.Join(o.Dir, patchedS), o.Patched, o.Orig)
	Run(t, o.Dir, gensrc, "--os=rhel6", "-i", origS, "-i", patchedS, "-o", genS, "--force-global")
	link := func(output, src string, more ...string) {
		args := append(append(append([]string{}, o.CFlags...), extra...), "-o", output, src)
		cc(append(append(args, o.LDFlags...), more...)...)
	}
	link(out, origS)
	link(out+".patched", genS, "-Wl,-q")
	stripped := out + ".stripped"
	Run(t, o.Dir, kstrip, "--strip", out+".patched", stripped)
	Run(t, o.Dir, kstrip, "--rel-fixup", out, stripped)
	Run(t, o.Dir, "strip", "--strip-unneeded", stripped)
	Run(t, o.Dir, kstrip, "--undo-link", out, stripped)
	bid := MustBuildID(t, filepath.Join(o.Dir, out))
	args := []string{"-b", bid, stripped, "-o", out + ".kpatch"}
	if o.ID != "" {
		args = append([]string{"-i", o.ID}, args...)
	}
	Run(t, o.Dir, kmake, args...)
	return &PatchBuild{Dir: o.Dir, Binary: filepath.Join(o.Dir, out),
		Kpatch: filepath.Join(o.Dir, out+".kpatch"), BuildID: bid}
}

// renameSource replaces the patched source's name by the original's in the
// assembly, as the guide's sed does, so the .file directives match.
func renameSource(t testing.TB, path, from, to string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), `"`+from+`"`, `"`+to+`"`)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// MustBuildID returns the GNU Build-ID of the ELF file at path as 40 hex
// characters, like `readelf -n` shows it.
func MustBuildID(t testing.TB, path string) string {
	t.Helper()
	id, err := elfutil.BuildID(path)
	if err != nil {
		t.Fatalf("build id of %s: %v", path, err)
	}
	return id
}
