package patchmake

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"syscall"
	"testing"

	pm "github.com/golibcare/golibcare/internal/patchmake"
)

func TestFlags(t *testing.T) {
	dir := t.TempDir()
	series := filepath.Join(dir, "series")
	writeFile(t, series, "one.patch\n# a comment\ntwo.patch -p0 -R\n")
	quilt := t.TempDir()
	writeFile(t, filepath.Join(quilt, "patches", "series"), "q.patch\n")
	tests := []struct {
		name    string
		args    []string
		want    pm.Options
		wantErr string
	}{
		{name: "user guide", args: []string{"--clean", "foo.patch"},
			want: pm.Options{Patches: []string{"foo.patch"}, Clean: true, ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "all short options", args: []string{"-u", "-s", "src", "-d", "ROOT", "-i", "abc", "-b", "ff", "-j", "4", "-v", "a.patch", "b.patch"},
			want: pm.Options{Patches: []string{"a.patch", "b.patch"}, Update: true, SrcDir: "src", DestDirVar: "ROOT",
				ID: "abc", BuildID: "ff", Jobs: 4, Verbose: true}},
		{name: "long options", args: []string{"--srcdir=src", "--destdir=R", "--id=1234567", "--buildid=b", "--jobs=2", "p"},
			want: pm.Options{Patches: []string{"p"}, SrcDir: "src", DestDirVar: "R", ID: "1234567", BuildID: "b", Jobs: 2}},
		{name: "git range", args: []string{"--git", "v1..v2", "repo"},
			want: pm.Options{GitRange: "v1..v2", GitRepo: "repo", ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "git one commit", args: []string{"--git", "HEAD"},
			want: pm.Options{GitRange: "HEAD", ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "build systems", args: []string{"-o", "out", "--build-system", "cmake", "--configure", "-DX=1", "--no-cache", "p"},
			want: pm.Options{Patches: []string{"p"}, OutDir: "out", BuildSystem: "cmake", ConfigureArgs: "-DX=1", Configured: true,
				NoCache: true, ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "sign", args: []string{"--sign", "keys/release", "p"},
			want: pm.Options{Patches: []string{"p"}, Sign: "keys/release", ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "empty configure", args: []string{"--configure=", "p"},
			want: pm.Options{Patches: []string{"p"}, Configured: true, ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "commands", args: []string{"--build", "sh b.sh", "--install", "sh i.sh", "--output=o", "p"},
			want: pm.Options{Patches: []string{"p"}, BuildCmd: "sh b.sh", InstallCmd: "sh i.sh", OutDir: "o", ID: "0001", DestDirVar: "DESTDIR"}},
		{name: "build without install", args: []string{"--build", "make", "p"}, wantErr: "--build and --install go together"},
		{name: "commands and another system", args: []string{"--build", "a", "--install", "b", "--build-system", "make", "p"},
			wantErr: "--build/--install use the command build system, not make"},
		{name: "id too long", args: []string{"-i", "12345678", "p"}, wantErr: "Invalid patch-id!"},
		{name: "empty id", args: []string{"-i", "", "p"}, wantErr: "Invalid patch-id!"},
		{name: "no patch", args: []string{"-c"}, wantErr: "no patch given"},
		{name: "update and clean", args: []string{"-u", "-c", "p"}, wantErr: "-u and -c exclude each other"},
		{name: "git two repos", args: []string{"--git", "A..B", "r1", "r2"}, wantErr: "--git takes at most one repository argument"},
		{name: "bad flag", args: []string{"-x", "p"}, wantErr: "unknown shorthand flag: 'x' in -x"},
		{name: "strip level", args: []string{"-p", "0", "a.patch", "b.patch"},
			want: pm.Options{Patches: []string{"a.patch", "b.patch"}, ID: "0001", DestDirVar: "DESTDIR",
				PatchOpts: map[string]pm.PatchOpts{"a.patch": {Strip: 0}, "b.patch": {Strip: 0}}}},
		{name: "series and a quilt directory", args: []string{"--series", series, "-p2", "last.patch", quilt},
			want: pm.Options{Patches: []string{filepath.Join(dir, "one.patch"), filepath.Join(dir, "two.patch"), "last.patch",
				filepath.Join(quilt, "patches", "q.patch")}, ID: "0001", DestDirVar: "DESTDIR",
				PatchOpts: map[string]pm.PatchOpts{filepath.Join(dir, "two.patch"): {Strip: 0, Reverse: true}, "last.patch": {Strip: 2}}}},
		{name: "series alone", args: []string{"--series=" + series},
			want: pm.Options{Patches: []string{filepath.Join(dir, "one.patch"), filepath.Join(dir, "two.patch")}, ID: "0001", DestDirVar: "DESTDIR",
				PatchOpts: map[string]pm.PatchOpts{filepath.Join(dir, "two.patch"): {Strip: 0, Reverse: true}}}},
		{name: "directory without series", args: []string{dir + "/.."}, wantErr: dir + "/..: a directory without a quilt series file (series or patches/series)"},
		{name: "git and series", args: []string{"--git", "HEAD", "--series", series}, wantErr: "--git and --series exclude each other"},
		{name: "bare -j last", args: []string{"p", "-j"},
			want: pm.Options{Patches: []string{"p"}, ID: "0001", DestDirVar: "DESTDIR", Jobs: runtime.NumCPU()}},
		{name: "bare -j before an option", args: []string{"-j", "-v", "p"},
			want: pm.Options{Patches: []string{"p"}, ID: "0001", DestDirVar: "DESTDIR", Jobs: runtime.NumCPU(), Verbose: true}},
		{name: "glued -j", args: []string{"-j3", "p"},
			want: pm.Options{Patches: []string{"p"}, ID: "0001", DestDirVar: "DESTDIR", Jobs: 3}},
		{name: "-j then a file", args: []string{"-j", "/x.patch"},
			wantErr: `invalid argument "/x.patch" for "-j, --jobs" flag: want a number of jobs, not "/x.patch"`},
		{name: "negative strip", args: []string{"-p", "-2", "p"}, wantErr: "-p needs a number of components (0 or more)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			cmd := NewCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(Args(tt.args))
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var u *UsageError
				if !errors.As(err, &u) || u.Msg != tt.wantErr {
					t.Fatalf("got error %v, want usage error %q", err, tt.wantErr)
				}
				if code := ExitCode(err); code != ExitUsage {
					t.Errorf("got exit code %d, want %d", code, ExitUsage)
				}
				return
			}
			if err != nil {
				t.Fatalf("Execute: %v", err)
			}
			got.Stdout, got.Stderr = nil, nil
			if !reflect.DeepEqual(got.Options, tt.want) {
				t.Errorf("got %+v, want %+v", got.Options, tt.want)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{&pm.SignalError{Sig: syscall.SIGINT}, 130},
		{&pm.SignalError{Sig: syscall.SIGTERM}, 143},
		{errors.New("make failed"), 1},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v): got %d, want %d", tt.err, got, tt.want)
		}
	}
}
