package patchmake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Stages of a build, the value of KPATCH_STAGE for libcare-cc (facts §5.1).
const (
	StageOriginal = "original"
	StagePatched  = "patched"
)

// killDelay is how long a make that got our signal may take to exit before
// it is killed: make waits for its running compilers to stop.
const killDelay = 10 * time.Second

// SignalError is the cause a run is cancelled with when the process gets a
// signal; the command exits with 128+Sig like a shell would report.
type SignalError struct{ Sig syscall.Signal }

func (e *SignalError) Error() string { return "interrupted by " + unix.SignalName(e.Sig) }

// ExitCode is 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
func (e *SignalError) ExitCode() int { return 128 + int(e.Sig) }

// MakeError is a make that exited non-zero; Fatal holds the first line of
// its output that carries a FATAL message (kpatch_gensrc refusing a change).
type MakeError struct {
	Stage  string // "original", "patched" or "clean"
	Target string // "" for the default target
	Status int
	Fatal  string
}

func (e *MakeError) Error() string {
	what := "make"
	if e.Target != "" {
		what += " " + e.Target
	}
	msg := fmt.Sprintf("%s of the %s code failed: %s exited with status %d", stageVerb(e.Target), e.Stage, what, e.Status)
	if e.Fatal != "" {
		msg += "; kpatch_gensrc refused the change: " + e.Fatal
	}
	return msg
}

func stageVerb(target string) string {
	if target == "install" {
		return "installing"
	}
	return "building"
}

// maker runs the project's make with libcare-cc as the compiler.
type maker struct {
	dir      string // where make runs
	makefile string // "" or "lpmakefile"
	jobs     int
	ccVars   []string // CC=... CXX=... for make's command line
	env      []string // environment without KPATCH_STAGE and friends
	verbose  bool
	stdout   io.Writer
	stderr   io.Writer
}

// run runs make for one stage; target "" is the default goal, extra holds
// variable assignments (DESTDIR=...).
func (m *maker) run(ctx context.Context, stage, target string, extra ...string) error {
	args := []string{}
	if m.makefile != "" {
		args = append(args, "-f", m.makefile)
	}
	if m.jobs > 0 && target == "" {
		args = append(args, "-j", fmt.Sprint(m.jobs))
	}
	args = append(args, m.ccVars...)
	if target != "" {
		args = append(args, target)
	}
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, "make", args...)
	cmd.Dir = m.dir
	cmd.Env = slices.Concat(m.env, stageEnv(stage, m.verbose))
	fatal := &fatalWatch{}
	cmd.Stdout = io.MultiWriter(m.stdout, fatal)
	cmd.Stderr = io.MultiWriter(m.stderr, fatal)
	setGroupKill(ctx, cmd)
	if m.verbose {
		fmt.Fprintf(m.stdout, "+ KPATCH_STAGE=%s make %s\n", stage, strings.Join(args, " "))
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		killGroup(cmd)
		return context.Cause(ctx)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &MakeError{Stage: stage, Target: target, Status: ee.ExitCode(), Fatal: fatal.first()}
	}
	if err != nil {
		return fmt.Errorf("run make: %w", err)
	}
	return nil
}

// stageEnv is what libcare-cc reads. The debug filter stays off in both
// stages, as the upstream script's export leaves it.
func stageEnv(stage string, verbose bool) []string {
	env := []string{"KPATCH_STAGE=" + stage, "KPCC_DBGFILTER_ARGS="}
	if stage == StagePatched {
		env = append(env, "KPCC_APPEND_ARGS=-Wl,-q")
	}
	if verbose {
		env = append(env, "KPCC_DEBUG=1")
	}
	return env
}

// setGroupKill runs cmd in its own process group and, on cancellation,
// sends the cancelling signal to the whole group (make and its compilers).
func setGroupKill(ctx context.Context, cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		sig := syscall.SIGTERM
		var se *SignalError
		if errors.As(context.Cause(ctx), &se) {
			sig = se.Sig
		}
		return syscall.Kill(-cmd.Process.Pid, sig)
	}
	cmd.WaitDelay = killDelay
}

// killGroup ends what is left of a cancelled make's process group: a rule
// that ignored the signal must not outlive the run. No group left: ESRCH.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// fatalWatch remembers the first output line that mentions FATAL.
type fatalWatch struct {
	mu    sync.Mutex
	line  []byte
	found string
}

func (f *fatalWatch) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.found != "" {
		return len(p), nil
	}
	f.line = append(f.line, p...)
	for {
		i := bytes.IndexByte(f.line, '\n')
		if i < 0 {
			break
		}
		if l := string(f.line[:i]); strings.Contains(l, "FATAL") {
			f.found = strings.TrimSpace(l)
			f.line = nil
			return len(p), nil
		}
		f.line = f.line[i+1:]
	}
	if len(f.line) > 64<<10 {
		f.line = nil // a line this long is not a message
	}
	return len(p), nil
}

func (f *fatalWatch) first() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.found == "" && strings.Contains(string(f.line), "FATAL") {
		return strings.TrimSpace(string(f.line))
	}
	return f.found
}

// compilerDir makes dir/{cc,gcc,c++,g++} links to libcare-cc, the private
// directory that goes first on make's PATH (the system cc stays as it is).
func compilerDir(dir, libcareCC string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"cc", "gcc", "c++", "g++"} {
		if err := os.Symlink(libcareCC, filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("compiler link: %w", err)
		}
	}
	return nil
}

// makeEnv is env without make's recursion variables and with binDir first
// on PATH. The real compilers are pinned (KPCCREAL/KPCXXREAL) from the PATH
// before binDir, so libcare-cc never finds its own links.
func makeEnv(env []string, binDir, toolDir, cc, cxx string) []string {
	drop := map[string]bool{"MAKELEVEL": true, "MAKEFLAGS": true, "MFLAGS": true,
		"KPATCH_STAGE": true, "KPCC_APPEND_ARGS": true, "KPCC_DBGFILTER_ARGS": true,
		"PATH": true, "KPATCH_PATH": true, "CC": true, "CXX": true, "IS_LIBCARE_CC": true}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	path := lookupEnv(env, "PATH")
	if lookupEnv(env, "KPCCREAL") == "" {
		out = append(out, "KPCCREAL="+lookPathIn("gcc", path))
	}
	if lookupEnv(env, "KPCXXREAL") == "" {
		out = append(out, "KPCXXREAL="+lookPathIn("g++", path))
	}
	return append(out, "PATH="+binDir+string(os.PathListSeparator)+path,
		"KPATCH_PATH="+toolDir, "IS_LIBCARE_CC=y", "CC="+cc, "CXX="+cxx)
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// lookPathIn finds name in the PATH list path; the default of libcare-cc
// (/usr/bin/<name>) when it is not there.
func lookPathIn(name, path string) string {
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		}
	}
	return "/usr/bin/" + name
}
