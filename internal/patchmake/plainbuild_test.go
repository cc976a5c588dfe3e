package patchmake_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/testutil"
)

// These tests assume little of libcare-patch-make's layout: the patch is
// the one <BuildID>.kpatch under a directory named patchroot, the
// original-stage binary a file "foo" under a directory named lpmake,
// wherever those are below the project.

// flagEnv is flags as environment entries.
func flagEnv(flags map[string]string) []string {
	var env []string
	for _, k := range []string{"CFLAGS", "CPPFLAGS", "LDFLAGS"} {
		env = append(env, k+"="+flags[k])
	}
	return env
}

// buildEnv is the environment of a plain build with flags, without what
// an outer make passes down (the test may run under `make test`).
func buildEnv(flags map[string]string) []string {
	var env []string
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		switch k {
		case "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "CFLAGS", "CPPFLAGS", "LDFLAGS":
			continue
		}
		env = append(env, e)
	}
	return append(env, flagEnv(flags)...)
}

// plainMake runs make in dir with env, as a user builds without libcare.
func plainMake(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("make", args...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// debianFlags are dpkg-buildflags' flags for a build in dir, with every
// hardening feature (PIE, -z relro -z now, -fcf-protection,
// -ffile-prefix-map).
func debianFlags(t *testing.T, dir string) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-buildflags"); err != nil {
		if testutil.InCI() {
			t.Fatalf("dpkg-buildflags unavailable (scripts/deps.sh installs dpkg-dev): %v", err)
		}
		t.Skipf("skipping test: dpkg-buildflags unavailable: %v", err)
	}
	flags := map[string]string{}
	for _, v := range []string{"CFLAGS", "CPPFLAGS", "LDFLAGS"} {
		cmd := exec.Command("dpkg-buildflags", "--get", v)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "DEB_BUILD_MAINT_OPTIONS=hardening=+all")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("dpkg-buildflags --get %s: %v", v, err)
		}
		flags[v] = strings.TrimSpace(string(out))
	}
	if !strings.Contains(flags["LDFLAGS"], "-z,now") || !strings.Contains(flags["CFLAGS"], "-ffile-prefix-map=") {
		t.Fatalf("dpkg-buildflags: got %v, want -z now and -ffile-prefix-map", flags)
	}
	return flags
}

// findUnder returns the files named name in a directory named parent
// below dir.
func findUnder(t *testing.T, dir, parent, name string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(filepath.Dir(p)) == parent && (name == "" || d.Name() == name) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// onePatch returns the only .kpatch under patchroot and its decoded form.
func onePatch(t *testing.T, dir string, r result) (string, *kpatch.File) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("libcare-patch-make exited %d:\n%s", r.code, r.out)
	}
	var kps []string
	for _, p := range findUnder(t, dir, "patchroot", "") {
		if strings.HasSuffix(p, ".kpatch") {
			kps = append(kps, p)
		}
	}
	if len(kps) != 1 {
		t.Fatalf("got patches %q, want one under patchroot\n%s", kps, r.out)
	}
	b, err := os.ReadFile(kps[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := kpatch.Decode(b)
	if err != nil {
		t.Fatalf("decode %s: %v", kps[0], err)
	}
	return kps[0], f
}

// patchLive starts bin, patches it with kp and waits for the patched
// output; the process is killed by the test's cleanup.
func patchLive(t *testing.T, bin, kp string) {
	t.Helper()
	ctl, err := testutil.TryTool("libcare-ctl")
	if err != nil {
		t.Fatalf("libcare-ctl: %v", err)
	}
	testutil.MustHavePtrace(t)
	cmd, out := testutil.StartTarget(t, bin)
	testutil.WaitOutput(t, out, "Hello world!\n", 10*time.Second)
	res, err := testutil.RunErr(filepath.Dir(kp), ctl, "patch", "-p", fmt.Sprint(cmd.Process.Pid), kp)
	if err != nil {
		t.Fatalf("libcare-ctl patch: %v\n%s", err, res)
	}
	testutil.WaitOutput(t, out, "Hello world being patched!\n", 10*time.Second)
}

// TestOriginalStageIsPlainBuild: the binary libcare-patch-make's original
// stage builds is byte for byte the one plain make builds with the same
// flags, -g included, so the patch (keyed by its Build-ID) applies to a
// process started from the plain build, the one the user deployed.
func TestOriginalStageIsPlainBuild(t *testing.T) {
	patchMake(t)
	for _, tt := range []struct {
		name  string
		flags func(dir string) map[string]string
	}{
		{"g O2", func(string) map[string]string { return map[string]string{"CFLAGS": "-g -O2"} }},
		{"dpkg-buildflags", func(dir string) map[string]string { return debianFlags(t, dir) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := fixture(t, "plainbuild")
			flags := tt.flags(dir)
			env := buildEnv(flags)
			plainMake(t, dir, env)
			plain := filepath.Join(t.TempDir(), "foo")
			if err := os.Rename(filepath.Join(dir, "foo"), plain); err != nil {
				t.Fatal(err)
			}
			plainMake(t, dir, env, "clean")
			kp, f := onePatch(t, dir, runPMEnv(t, dir, flagEnv(flags), "greet.patch"))
			origs := findUnder(t, dir, "lpmake", "foo")
			if len(origs) != 1 {
				t.Fatalf("got original-stage binaries %q, want one", origs)
			}
			want, got := mustReadFile(t, plain), mustReadFile(t, origs[0])
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the plain build (%d vs %d bytes; Build-IDs %s vs %s)", origs[0], len(got), len(want),
					testutil.MustBuildID(t, origs[0]), testutil.MustBuildID(t, plain))
			}
			if id := testutil.MustBuildID(t, plain); f.Header.BuildIDString() != id {
				t.Errorf("patch for Build-ID %s, want the plain build's %s", f.Header.BuildIDString(), id)
			}
			patchLive(t, plain, kp)
		})
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// patchText returns the code of a patch and its relocations as text.
func patchText(t *testing.T, f *kpatch.File) ([]byte, string) {
	t.Helper()
	ef, err := elfutil.SafeNewFile(bytes.NewReader(f.ELF))
	if err != nil {
		t.Fatal(err)
	}
	sec := ef.Section(".kpatch.text")
	if sec == nil {
		t.Fatal("patch has no .kpatch.text")
	}
	code, err := sec.Data()
	if err != nil {
		t.Fatal(err)
	}
	syms, _ := ef.Symbols()
	var rel strings.Builder
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_RELA || ef.Sections[s.Info] != sec {
			continue
		}
		b, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := elfutil.Count(uint64(len(b)), 24)
		for i := 0; i < n; i++ {
			r, _ := elfutil.Rela(b, i)
			name := ""
			if k := int(elfutil.RelaSym(r)); k > 0 && k <= len(syms) {
				name = syms[k-1].Name
				if name == "" && int(syms[k-1].Section) < len(ef.Sections) {
					name = ef.Sections[syms[k-1].Section].Name
				}
			}
			fmt.Fprintf(&rel, "%#x %v %s%+d\n", r.Off, elfutil.RelaType(r), name, r.Addend)
		}
	}
	return code, rel.String()
}

// TestDebugVariantsSameCode: -g3, -gdwarf-4 and -ggdb builds give a patch
// whose code and relocations are the ones without -g, and it applies.
func TestDebugVariantsSameCode(t *testing.T) {
	patchMake(t)
	build := func(t *testing.T, cflags string) (string, *kpatch.File, string) {
		dir := fixture(t, "plainbuild")
		kp, f := onePatch(t, dir, runPMEnv(t, dir, []string{"CFLAGS=" + cflags}, "greet.patch"))
		origs := findUnder(t, dir, "lpmake", "foo")
		if len(origs) != 1 {
			t.Fatalf("got original-stage binaries %q, want one", origs)
		}
		return kp, f, origs[0]
	}
	_, base, _ := build(t, "-O2")
	wantCode, wantRel := patchText(t, base)
	for _, g := range []string{"-g", "-g3", "-gdwarf-4", "-ggdb"} {
		t.Run(g, func(t *testing.T) {
			kp, f, orig := build(t, g+" -O2")
			code, rel := patchText(t, f)
			if !bytes.Equal(code, wantCode) {
				t.Errorf(".kpatch.text: got %d bytes, want the %d bytes of the build without -g", len(code), len(wantCode))
			}
			if rel != wantRel {
				t.Errorf("relocations differ from the build without -g:\ngot\n%swant\n%s", rel, wantRel)
			}
			patchLive(t, orig, kp)
		})
	}
}

// TestLTORefused: an -flto build stops at its first compile, in the
// original stage, naming the file.
func TestLTORefused(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "plainbuild")
	r := runPMEnv(t, dir, []string{"CFLAGS=-O2 -flto"}, "greet.patch")
	if r.code == 0 {
		t.Fatalf("libcare-patch-make succeeded, want the LTO refusal\n%s", r.out)
	}
	if want := "libcare-cc: main.c: LTO is not supported by live patching: build with -fno-lto"; !strings.Contains(r.out, want) {
		t.Errorf("output lacks %q:\n%s", want, r.out)
	}
	if strings.Contains(r.out, "BUILDING PATCHED CODE") || strings.Contains(r.out, "greet.c: LTO") {
		t.Errorf("got past the first compile:\n%s", r.out)
	}
}

// TestLayoutChangeRefused: a diff that moves a member of a struct the
// changed code uses is refused at the patched compile, naming the struct,
// the functions and the file.
func TestLayoutChangeRefused(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "plainbuild")
	r := runPMEnv(t, dir, []string{"CFLAGS=-g -O2"}, "layout.patch")
	if r.code == 0 {
		t.Fatalf("libcare-patch-make succeeded, want the layout refusal\n%s", r.out)
	}
	for _, want := range []string{"libcare-cc: main.c: struct greeter changed its layout (size from 16 to 24 bytes",
		"member word moved from offset 8 to 16", "the patched function main uses it", "a struct layout change is not patchable"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
}
