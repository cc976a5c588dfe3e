package ccwrap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// debianFlags returns dpkg-buildflags' CFLAGS, CPPFLAGS and LDFLAGS for a
// build in dir with every hardening feature (-z relro -z now, PIE,
// -ffile-prefix-map), as Debian packages are built.
func debianFlags(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-buildflags"); err != nil {
		if testutil.InCI() {
			t.Fatalf("dpkg-buildflags unavailable (scripts/deps.sh installs dpkg-dev): %v", err)
		}
		t.Skipf("skipping test: dpkg-buildflags unavailable: %v", err)
	}
	var flags []string
	for _, v := range []string{"CPPFLAGS", "CFLAGS", "LDFLAGS"} {
		cmd := exec.Command("dpkg-buildflags", "--get", v)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DEB_BUILD_MAINT_OPTIONS=hardening=+all")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("dpkg-buildflags --get %s: %v", v, err)
		}
		flags = append(flags, strings.Fields(string(out))...)
	}
	return flags
}

// TestOriginalIdentical builds each command line with gcc and then with
// libcare-cc's original stage in the same directory: every file the
// command writes must be byte for byte the same (the Build-ID of what the
// user deploys is the key of the patch), and the assembly must be kept.
func TestOriginalIdentical(t *testing.T) {
	tc := newCCTest(t)
	deb := strings.Join(debianFlags(t, tc.dir), " ")
	if err := os.Mkdir(tc.path("obj"), 0o755); err != nil {
		t.Fatal(err)
	}
	main := "'-DMAIN_NAME=\"main\"'"
	tests := []struct {
		name  string
		cmd   string
		files []string // written by the command
		asm   []string // kept by libcare-cc
	}{
		{"g O2", "-g -O2 -c foo.c", []string{"foo.o"}, []string{".kpatch_foo.o.original.s"}},
		{"debian", deb + " -c foo.c -o obj/foo.o", []string{"obj/foo.o"}, []string{"obj/.kpatch_foo.o.original.s"}},
		{"debian link", deb + " " + main + " -o prog main.c foo.c sub/bar.c", []string{"prog"},
			[]string{".kpatch_main.c.original.s", ".kpatch_foo.c.original.s", "sub/.kpatch_bar.c.original.s"}},
		{"several sources", "-g -O2 -c foo.c sub/bar.c", []string{"foo.o", "bar.o"},
			[]string{".kpatch_foo.o.original.s", ".kpatch_bar.o.original.s"}},
		{"deps elsewhere", "-g -O2 -MD -MF obj/x.d -c sub/bar.c -o obj/bar.o", []string{"obj/bar.o", "obj/x.d"},
			[]string{"obj/.kpatch_bar.o.original.s"}},
		{"save-temps", "-g3 -O2 -MMD -save-temps -c foo.c -o obj/st.o", []string{"obj/st.o", "obj/st.d", "obj/st.i", "obj/st.s"},
			[]string{"obj/.kpatch_st.o.original.s"}},
		{"pipe", "-gdwarf-4 -O2 -pipe -c foo.c -o pipe.o", []string{"pipe.o"}, []string{".kpatch_pipe.o.original.s"}},
		{"ggdb", "-ggdb -O1 -fno-omit-frame-pointer -c foo.c -o ggdb.o", []string{"ggdb.o"}, []string{".kpatch_ggdb.o.original.s"}},
		{"cxx", "-g -O2 -o strings strings.cpp", []string{"strings"}, []string{".kpatch_strings.cpp.original.s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := "gcc " + tt.cmd
			if strings.Contains(tt.cmd, ".cpp") {
				script = "g++ " + tt.cmd
			}
			testutil.Run(t, tc.dir, "sh", "-c", script)
			want := tc.readAll(tt.files)
			tc.removeAll(tt.files)
			env := "KPATCH_STAGE=original " + tc.tool
			if strings.Contains(tt.cmd, ".cpp") {
				env = "KPATCH_STAGE=original " + tc.linkAs("g++")
			}
			cmd := exec.Command("sh", "-c", env+" "+tt.cmd)
			cmd.Dir, cmd.Env = tc.dir, tc.env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("libcare-cc %s: %v\n%s", tt.cmd, err, out)
			}
			for i, got := range tc.readAll(tt.files) {
				if !bytes.Equal(got, want[i]) {
					t.Errorf("%s: differs from the plain build's (%d vs %d bytes)", tt.files[i], len(got), len(want[i]))
				}
			}
			for _, a := range tt.asm {
				if s := tc.read(a); !strings.Contains(s, "\t.file\t") {
					t.Errorf("%s: got %q..., want gcc's assembly", a, s[:min(len(s), 40)])
				}
			}
		})
	}
}

func (tc *ccTest) readAll(files []string) [][]byte {
	tc.t.Helper()
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(tc.path(f))
		if err != nil {
			tc.t.Fatalf("read %s: %v", f, err)
		}
		out = append(out, b)
	}
	return out
}

func (tc *ccTest) removeAll(files []string) {
	tc.t.Helper()
	for _, f := range files {
		if err := os.Remove(tc.path(f)); err != nil {
			tc.t.Fatal(err)
		}
	}
}

// linkAs returns a link to libcare-cc named name (g++ picks the driver).
func (tc *ccTest) linkAs(name string) string {
	tc.t.Helper()
	p := filepath.Join(tc.t.TempDir(), name)
	if err := os.Symlink(tc.tool, p); err != nil {
		tc.t.Fatal(err)
	}
	return p
}

// TestOriginalFallback: a real compiler that does not run libcare-cc's
// assembler (here a wrapper dropping COMPILER_PATH, as a cache hit would)
// still leaves the object as built and the assembly, from a separate
// compile.
func TestOriginalFallback(t *testing.T) {
	tc := newCCTest(t)
	wrap := filepath.Join(t.TempDir(), "cc-wrapper")
	if err := os.WriteFile(wrap, []byte("#!/bin/sh\nunset COMPILER_PATH\nexec gcc \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tc.gcc("-g", "-O2", "-MD", "-c", "foo.c", "sub/bar.c")
	want := tc.readAll([]string{"foo.o", "bar.o", "foo.d"})
	r := tc.mustCC("original", []string{"KPCCREAL=" + wrap, "KPCC_DEBUG=1"}, "-g", "-O2", "-MD", "-c", "foo.c", "sub/bar.c")
	if !strings.Contains(r.stderr, "assembler runs not as planned: 0 runs for 2 inputs: compiling the assembly separately") {
		t.Errorf("stderr: got %q, want the fallback reported", r.stderr)
	}
	for i, got := range tc.readAll([]string{"foo.o", "bar.o", "foo.d"}) {
		if !bytes.Equal(got, want[i]) {
			t.Errorf("file %d differs from the plain build's", i)
		}
	}
	if s := tc.read(".kpatch_bar.o.original.s"); !strings.Contains(s, "bar:") || !strings.Contains(s, ".loc ") {
		t.Errorf(".kpatch_bar.o.original.s: got no bar: with debug lines in\n%s", s)
	}
}

// TestOriginalLTO: -flto is refused at the first compile with the file
// named and nothing written; LTO that the argv does not show (a response
// file) is caught in the assembly.
func TestOriginalLTO(t *testing.T) {
	tc := newCCTest(t)
	const msg = "LTO is not supported by live patching: build with -fno-lto"
	r := tc.cc("original", nil, "-O2", "-flto=auto", "-c", "foo.c", "-o", "foo.o")
	if r.code != ExitFatal || !strings.Contains(r.stderr, "libcare-cc: foo.c: "+msg) {
		t.Errorf("-flto: got %d %q, want %d and %q naming foo.c", r.code, r.stderr, ExitFatal, msg)
	}
	testutil.WriteFile(t, tc.dir, "lto.opts", "-flto\n")
	r = tc.cc("original", nil, "-O2", "@lto.opts", "-c", "sub/bar.c", "-o", "bar.o")
	if r.code == 0 || !strings.Contains(r.stderr, "libcare-cc: sub/bar.c: "+msg) {
		t.Errorf("-flto in a response file: got %d %q, want a failure naming sub/bar.c", r.code, r.stderr)
	}
	for _, f := range []string{"foo.o", "bar.o"} {
		if _, err := os.Stat(tc.path(f)); err == nil {
			t.Errorf("%s: got a file, want none", f)
		}
	}
}

// TestOriginalNoexecTmp: with TMPDIR on a noexec mount (in a private mount
// namespace) no hook can run; the object is still the plain build's and
// the assembly comes from a separate compile.
func TestOriginalNoexecTmp(t *testing.T) {
	tc := newCCTest(t)
	if os.Geteuid() != 0 {
		t.Skip("skipping test: needs root for a private noexec mount")
	}
	tc.gcc("-g", "-O2", "-c", "foo.c", "-o", "plain.o")
	tmp := t.TempDir()
	script := "mount -t tmpfs -o noexec tmpfs " + tmp + " && exec env TMPDIR=" + tmp + " KPATCH_STAGE=original KPCC_DEBUG=1 " +
		tc.tool + " -g -O2 -c foo.c -o plain.o"
	want := tc.readAll([]string{"plain.o"})
	r := tc.command("unshare", nil, "--mount", "--propagation", "private", "sh", "-c", script)
	if r.code != 0 {
		t.Fatalf("libcare-cc under a noexec TMPDIR: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "mounted noexec: compiling the assembly separately") {
		t.Errorf("stderr: got %q, want the noexec fallback reported", r.stderr)
	}
	if got := tc.readAll([]string{"plain.o"}); !bytes.Equal(got[0], want[0]) {
		t.Errorf("plain.o differs from the plain build's")
	}
	if s := tc.read(".kpatch_plain.o.original.s"); !strings.Contains(s, "foo:") {
		t.Errorf(".kpatch_plain.o.original.s: got no foo: in\n%s", s)
	}
}
