package buildsys

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeAndCommand runs the make and command systems on trees whose
// "builds" record what they got: compilers, stage and install root.
func TestMakeAndCommand(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("skipping test: make unavailable: %v", err)
	}
	mk := "all:\n\techo build $(CC) $(CXX) $$KPATCH_STAGE > built\ninstall:\n\techo install $$KPATCH_STAGE > $(ROOT)/installed\n"
	tests := []struct {
		name string
		c    Config
		file string
	}{
		{"make", Config{DestDirVar: "ROOT"}, "Makefile"},
		{"lpmakefile", Config{DestDirVar: "ROOT"}, "lpmakefile"},
		{"command", Config{BuildCmd: `echo build $CC $CXX $KPATCH_STAGE > built`,
			InstallCmd: `echo install $KPATCH_STAGE > $DESTDIR/installed`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, dest := t.TempDir(), t.TempDir()
			if tt.file != "" {
				write(t, dir, tt.file, mk)
			}
			if tt.file == "lpmakefile" {
				write(t, dir, "Makefile", "all install:\n\tfalse\n")
			}
			name := "make"
			if tt.c.BuildCmd != "" {
				name = "command"
			}
			tt.c.Src, tt.c.CC, tt.c.CXX = dir, "/x/libcare-cc", "/x/g++"
			s, err := New(name, tt.c)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			r := &Runner{Env: append(os.Environ(), "CC=/x/libcare-cc", "CXX=/x/g++"), Stdout: &out, Stderr: &out}
			ctx := context.Background()
			if err := s.Configure(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := s.Build(ctx, r, StagePatched); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if err := s.Install(ctx, r, StagePatched, dest); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if got := read(t, filepath.Join(dir, "built")); got != "build /x/libcare-cc /x/g++ patched\n" {
				t.Errorf("build: got %q", got)
			}
			if got := read(t, filepath.Join(dest, "installed")); got != "install patched\n" {
				t.Errorf("install: got %q", got)
			}
		})
	}
}

// TestConfigureStep: ./configure runs in the configure stage when the tree
// has no makefile yet, and not again once it wrote one.
func TestConfigureStep(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skipf("skipping test: make unavailable: %v", err)
	}
	dir := t.TempDir()
	write(t, dir, "configure", "#!/bin/sh\necho \"$KPATCH_STAGE $*\" >> ran\nprintf 'all:\\n\\ttrue\\n' > Makefile\n")
	if err := os.Chmod(filepath.Join(dir, "configure"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := New("configure", Config{Tree: Tree{Src: dir}, ConfigureArgs: "--with-x 'a b'", Configured: false})
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Env: os.Environ()}
	for i := 0; i < 2; i++ {
		if err := s.Configure(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if got := read(t, filepath.Join(dir, "ran")); got != "configure --with-x a b\n" {
		t.Errorf("got %q, want one run in the configure stage with the arguments", got)
	}
}

func write(t *testing.T, dir, name, s string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r", "")
}
