package ccwrap

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// specMirror writes foo_patched.c as the patched version of foo.c into a
// speculation mirror and returns the environment of an original stage
// that speculates.
func (tc *ccTest) specMirror() []string {
	tc.t.Helper()
	mirror := tc.t.TempDir()
	real, err := filepath.EvalSymlinks(tc.dir)
	if err != nil {
		tc.t.Fatal(err)
	}
	p := filepath.Join(mirror, real, "foo.c")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tc.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(tc.read("foo_patched.c")), 0o644); err != nil {
		tc.t.Fatal(err)
	}
	return append(original, specVar+"="+mirror, specAppendVar+"=-Wl,-q")
}

// TestSpeculation: the original stage compiles the patched foo.c beside
// the original; the patched stage reuses that assembly, and its result is
// the one a patched stage without speculation makes.
func TestSpeculation(t *testing.T) {
	plain := newCCTest(t)
	needGensrc(t)
	plain.mustCC("original", original, "-c", "foo.c", "-o", "foo.o")
	plain.patchFoo()
	plain.mustCC("patched", []string{"KPCC_APPEND_ARGS=-Wl,-q"}, "-c", "foo.c", "-o", "foo.o")

	tc := newCCTest(t)
	tc.mustCC("original", tc.specMirror(), "-c", "foo.c", "-o", "foo.o")
	tc.mustExist(".kpatch_foo.o.patched.s.spec", ".kpatch_foo.o.patched.s.spec.key")
	if _, err := os.Stat(tc.path(".kpatch_foo.o.patched.s.spec.d")); !os.IsNotExist(err) {
		t.Errorf("the speculation's dependency file was left behind (%v)", err)
	}
	tc.patchFoo()
	r := tc.mustCC("patched", []string{"KPCC_APPEND_ARGS=-Wl,-q", "KPCC_DEBUG=1"}, "-c", "foo.c", "-o", "foo.o")
	if !strings.Contains(r.stderr, "reusing .kpatch_foo.o.patched.s.spec") || strings.Contains(r.stderr, " -S foo.c") {
		t.Errorf("the patched stage compiled again:\n%s", r.stderr)
	}
	for _, f := range []string{".kpatch_foo.o.patched.s", ".kpatch_foo.o.s"} {
		if got, want := tc.read(f), plain.read(f); got != want {
			t.Errorf("%s differs from the one made without speculation", f)
		}
	}
}

// TestSpeculationChecked: a header the speculative compile read changes
// before the patched stage; the speculation is not used.
func TestSpeculationChecked(t *testing.T) {
	tc := newCCTest(t)
	needGensrc(t)
	tc.mustCC("original", tc.specMirror(), "-c", "foo.c", "-o", "foo.o")
	tc.patchFoo()
	if err := os.WriteFile(tc.path("foo.h"), []byte(tc.read("foo.h")+"int baz(void);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := tc.mustCC("patched", []string{"KPCC_APPEND_ARGS=-Wl,-q", "KPCC_DEBUG=1"}, "-c", "foo.c", "-o", "foo.o")
	if !strings.Contains(r.stderr, "foo.h changed") || !strings.Contains(r.stderr, "-S foo.c") {
		t.Errorf("the changed header did not stop the reuse:\n%s", r.stderr)
	}
	// Another command line (other flags) is not the same compile either.
	tc2 := newCCTest(t)
	tc2.mustCC("original", tc2.specMirror(), "-c", "foo.c", "-o", "foo.o")
	tc2.patchFoo()
	r = tc2.mustCC("patched", []string{"KPCC_APPEND_ARGS=-Wl,-q", "KPCC_DEBUG=1"}, "-O1", "-c", "foo.c", "-o", "foo.o")
	if strings.Contains(r.stderr, "reusing") {
		t.Errorf("reused a speculation of another command line:\n%s", r.stderr)
	}
}

func TestSpecArgv(t *testing.T) {
	key := []string{"/usr/bin/gcc", "-O2", "-Iinc", "-MD", "-MF", "x.d", "-MQ", "x.o", "-S", "sub/foo.c", "-o", "sub/.kpatch_foo.o.patched.s",
		"-ffile-prefix-map=/w/src=/home/u/p", "-Wl,-q"}
	got, ok := specArgv(key, "sub/foo.c", "/m/w/src/sub/foo.c", "out.spec", "out.d")
	want := []string{"/usr/bin/gcc", "-iquote", "sub", "-O2", "-Iinc", "-S", "/m/w/src/sub/foo.c", "-o", "out.spec",
		"-ffile-prefix-map=/w/src=/home/u/p", "-Wl,-q", "-ffile-prefix-map=/m/w/src/sub/=sub/", "-MD", "-MF", "out.d"}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("relative input:\ngot  %q\nwant %q", got, want)
	}
	// An absolute input (CMake) maps back to what the command's own map
	// makes of it.
	key = []string{"/usr/bin/gcc", "-fdebug-prefix-map=/w/src=/dbg", "-S", "/w/src/foo.c", "-o", "a.s", "-ffile-prefix-map=/w/src=/home/u/p"}
	got, _ = specArgv(key, "/w/src/foo.c", "/m/w/src/foo.c", "o", "d")
	if tail := got[len(got)-4:]; tail[0] != "-ffile-prefix-map=/m/w/src/=/home/u/p/" {
		t.Errorf("absolute input: got %q", got)
	}
	key = []string{"/usr/bin/gcc", "-S", "/w/src/foo.c", "-o", "a.s", "-ffile-prefix-map=/w/src=/p", "-fdebug-prefix-map=/w=/d"}
	got, _ = specArgv(key, "/w/src/foo.c", "/m/w/src/foo.c", "o", "d")
	if tail := got[len(got)-5:]; tail[0] != "-fmacro-prefix-map=/m/w/src/=/p/" || tail[1] != "-fdebug-prefix-map=/m/w/src/=/d/src/" {
		t.Errorf("separate maps: got %q", got)
	}
	if _, ok := specArgv([]string{"gcc", "-c", "a.c", "b.c"}, "a.c", "/m/a.c", "o", "d"); ok {
		t.Errorf("two inputs: got ok")
	}
}

func TestReadDeps(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.d")
	if err := os.WriteFile(p, []byte("x.s: a.c /usr/include/stdio.h \\\n b\\ c.h d$$e.h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readDeps(p)
	if want := []string{"a.c", "/usr/include/stdio.h", "b c.h", "d$e.h"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}
