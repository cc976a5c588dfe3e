package patchmake_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// mustHave skips (or, in CI, fails) when a build tool is missing.
func mustHave(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if testutil.InCI() {
				t.Fatalf("%s is missing (scripts/deps.sh installs it): %v", tool, err)
			}
			t.Skipf("skipping test: %s unavailable: %v", tool, err)
		}
	}
}

// TestBuildSystems builds each fixture plainly, as its users would, and
// with libcare-patch-make from an untouched copy of it (detecting the
// build system, output outside the tree), then patches the plain build's
// running process with the result and unpatches it.
func TestBuildSystems(t *testing.T) {
	tests := []struct {
		name, fixture string
		tools         []string
		plain, bin    string   // the plain build and its binary
		args          []string // extra libcare-patch-make arguments
		system        string   // the "build system:" line
		installed     string   // the binary under lpmake/
	}{
		{name: "cmake", fixture: "cmake", tools: []string{"cmake"},
			plain: "cmake -S . -B build >/dev/null && cmake --build build >/dev/null", bin: "build/greet",
			system: "cmake (CMakeLists.txt)", installed: "lpmake/usr/local/bin/greet"},
		{name: "meson", fixture: "meson", tools: []string{"meson", "ninja"},
			plain: "meson setup build >/dev/null && ninja -C build >/dev/null", bin: "build/greet",
			system: "meson (meson.build)", installed: "lpmake/usr/local/bin/greet"},
		{name: "configure", fixture: "autotools", tools: []string{"make"},
			plain: "./configure --prefix=/opt/greet >/dev/null && make >/dev/null", bin: "greet",
			args:   []string{"--configure", "--prefix=/opt/greet"},
			system: "configure (configure, --configure given)", installed: "lpmake/opt/greet/bin/greet"},
		{name: "configure-auto", fixture: "autotools", tools: []string{"make"},
			plain: "./configure >/dev/null && make >/dev/null", bin: "greet",
			system: "configure (configure, no makefile yet)", installed: "lpmake/usr/local/bin/greet"},
		{name: "command", fixture: "command",
			plain: "CC=gcc sh build.sh", bin: "greet",
			args:   []string{"--build", "sh build.sh", "--install", "sh install.sh"},
			system: "command (--build/--install given)", installed: "lpmake/bin/greet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patchMake(t)
			mustHave(t, tt.tools...)
			plain := plainBuild(t, tt.fixture, tt.plain)
			dir := fixture(t, tt.fixture)
			before := treeHashes(t, dir, false)
			out := t.TempDir()
			r := runPM(t, dir, append(append([]string{"-o", out}, tt.args...), "fix.patch")...)
			kp := onlyPatch(t, r, out, tt.installed)
			if !strings.Contains(r.out, "build system: "+tt.system+"\n") {
				t.Errorf("output does not say %q:\n%s", "build system: "+tt.system, r.out)
			}
			sameHashes(t, "the tree after the run", treeHashes(t, dir, false), before)
			live(t, filepath.Join(plain, tt.bin), kp, "unpatched", "fixed")
		})
	}
}

// TestBuildSystemChoice: --build-system overrides detection, and a tree
// with nothing to build says how to choose.
func TestBuildSystemChoice(t *testing.T) {
	patchMake(t)
	mustHave(t, "cmake")
	dir := fixture(t, "cmake")
	// A makefile that would fail: --build-system cmake must not use it.
	testutil.WriteFile(t, dir, "Makefile", "all install:\n\tfalse\n")
	out := t.TempDir()
	r := runPM(t, dir, "-o", out, "--build-system", "cmake", "fix.patch")
	onlyPatch(t, r, out, "lpmake/usr/local/bin/greet")
	if !strings.Contains(r.out, "build system: cmake (--build-system)") {
		t.Errorf("output does not name the chosen system:\n%s", r.out)
	}

	empty := t.TempDir()
	testutil.WriteFile(t, empty, "x.c", "a\n") // the diff applies: the dry run comes first
	testutil.WriteFile(t, empty, "x.patch", "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n")
	r = runPM(t, empty, "-o", t.TempDir(), "x.patch")
	if r.code == 0 || !strings.Contains(r.out, "no build system found") || !strings.Contains(r.out, "--build-system") {
		t.Errorf("got exit %d, want a failure that says how to choose a build system:\n%s", r.code, r.out)
	}
}
