package buildsys

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name       string
		files      []string
		o          DetectOptions
		want, why  string
		wantErrSub string
	}{
		{name: "makefile", files: []string{"Makefile", "configure", "CMakeLists.txt"}, want: "make", why: "Makefile"},
		{name: "lpmakefile first", files: []string{"lpmakefile", "makefile"}, want: "make", why: "lpmakefile"},
		{name: "configure without makefile", files: []string{"configure", "CMakeLists.txt"}, want: "configure", why: "configure, no makefile yet"},
		{name: "--configure wins over makefile", files: []string{"Makefile", "configure"}, o: DetectOptions{Configured: true},
			want: "configure", why: "configure, --configure given"},
		{name: "cmake", files: []string{"CMakeLists.txt", "meson.build"}, want: "cmake", why: "CMakeLists.txt"},
		{name: "meson", files: []string{"meson.build"}, want: "meson", why: "meson.build"},
		{name: "commands", files: []string{"Makefile"}, o: DetectOptions{Command: true}, want: "command", why: "--build/--install given"},
		{name: "debian only with --deb", files: []string{"debian/rules", "Makefile"}, want: "make", why: "Makefile"},
		{name: "deb", files: []string{"debian/rules"}, o: DetectOptions{Deb: true}, want: "dpkg", why: "--deb given"},
		{name: "deb without debian/", files: []string{"Makefile"}, o: DetectOptions{Deb: true}, wantErrSub: "no debian/ directory"},
		{name: "nothing", files: []string{"README"}, wantErrSub: "--build-system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(dir, f)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			name, why, err := Detect(os.DirFS(dir), tt.o)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("got %q, %v; want an error containing %q", name, err, tt.wantErrSub)
				}
				return
			}
			if err != nil || name != tt.want || why != tt.why {
				t.Errorf("got %q (%q), %v; want %q (%q)", name, why, err, tt.want, tt.why)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, name := range []string{"make", "configure", "cmake", "meson"} {
		s, err := New(name, Config{Tree: Tree{Src: "/src"}})
		if err != nil || s.Name() != name {
			t.Errorf("New(%q): got %v, %v", name, s, err)
		}
	}
	if _, err := New("scons", Config{}); !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), "cmake, command, configure") {
		t.Errorf("New(scons): got %v, want ErrUnknown listing the known systems", err)
	}
	if _, err := New("command", Config{BuildCmd: "make"}); err == nil {
		t.Errorf("command without --install: got no error")
	}
	if _, err := New("command", Config{BuildCmd: "a", InstallCmd: "b", Configured: true}); err == nil {
		t.Errorf("command with --configure: got no error")
	}
}

func TestDisplayCmd(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"make", "-j", "4", "CC=/x/libcare-cc", "CXX=/x/g++"}, "make"},
		{[]string{"make", "-f", "lpmakefile", "CC=cc", "install", "DESTDIR=/o"}, "make install"},
		{[]string{"cmake", "--build", "/w/build", "-j", "2"}, "cmake --build"},
		{[]string{"cmake", "-S", "/w/src", "-B", "/w/build", "-DCMAKE_C_COMPILER=x"}, "cmake -S -B"},
		{[]string{"sh", "-c", `exec "$@" --prefix=/usr`, "sh", "./configure"}, "configure"},
		{[]string{"sh", "-c", "sh build.sh"}, "sh -c 'sh build.sh'"},
		{[]string{"/usr/bin/ninja", "-C", "/w/build"}, "ninja"},
	}
	for _, tt := range tests {
		if got := displayCmd(tt.argv); got != tt.want {
			t.Errorf("displayCmd(%q): got %q, want %q", tt.argv, got, tt.want)
		}
	}
}

// TestRunnerError: a failing command is an *Error naming the stage, the
// command and its status, and the first FATAL line of its output.
func TestRunnerError(t *testing.T) {
	var out bytes.Buffer
	r := &Runner{Stdout: &out, Stderr: &out}
	err := r.Run(context.Background(), Step{Stage: StagePatched, What: "build", For: StagePatched, Dir: t.TempDir(),
		Argv: []string{"sh", "-c", "echo FATAL! cannot do it >&2; echo stage=$KPATCH_STAGE; exit 3"}})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *Error", err)
	}
	want := "building of the patched code failed: sh -c 'echo FATAL! cannot do it >&2; echo stage=$KPATCH_STAGE; exit 3' exited with status 3; kpatch_gensrc refused the change: FATAL! cannot do it"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !strings.Contains(out.String(), "stage=patched\n") {
		t.Errorf("got output %q, want the stage in the environment", out.String())
	}
}

type sigCause struct{ sig syscall.Signal }

func (s sigCause) Error() string          { return "signalled" }
func (s sigCause) Signal() syscall.Signal { return s.sig }

// TestRunnerCancel: cancelling stops the whole process group with the
// cause's signal, and Run returns the cause.
func TestRunnerCancel(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() {
		r := &Runner{}
		done <- r.Run(ctx, Step{Stage: StageOriginal, What: "build", For: StageOriginal, Dir: dir,
			Argv: []string{"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"}})
	}()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 {
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 && b[len(b)-1] == '\n' {
			for _, c := range strings.TrimSpace(string(b)) {
				pid = pid*10 + int(c-'0')
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	cancel(sigCause{syscall.SIGTERM})
	select {
	case err := <-done:
		if _, ok := err.(sigCause); !ok {
			t.Errorf("got %v, want the cause", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	deadline = time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the sleeping child %d survived", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
