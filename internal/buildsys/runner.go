package buildsys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golibcare/golibcare/internal/ccargs"
	"github.com/golibcare/golibcare/internal/placement"
)

// killDelay is how long a build that got our signal may take to exit before
// it is killed: make waits for its running compilers to stop.
const killDelay = 10 * time.Second

// Runner runs the commands of a build. It is shared by every system, so
// a new one (dpkg) gets process-group handling, -v echo and error
// reporting by using it.
type Runner struct {
	// Env is the environment of every command (PATH with the compiler
	// links, KPATCH_PATH, KPCCREAL, ...), without the stage variables.
	Env []string
	// StageEnv returns the variables of one stage (KPATCH_STAGE=...,
	// KPCC_APPEND_ARGS=...); they are added after Env.
	StageEnv func(stage string) []string
	// Jobs is -j N for the build step (0: the tool's default).
	Jobs    int
	Verbose bool
	Stdout  io.Writer
	Stderr  io.Writer
}

// Step is one command of a build.
type Step struct {
	Stage string   // KPATCH_STAGE of the command
	What  string   // "configure", "build" or "install", for messages
	For   string   // the code being built ("original", "patched")
	Dir   string   // working directory
	Argv  []string // the command
	Env   []string // extra variables, after the stage's
}

// Error is a build command that exited non-zero. Fatal holds the first
// line of its output that carries a FATAL message (kpatch_gensrc refusing a
// change inside the build).
type Error struct {
	What   string // "configure", "build" or "install"
	For    string // "original" or "patched"
	Cmd    string // the command as shown, e.g. "make install"
	Status int
	Fatal  string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s of the %s code failed: %s exited with status %d", verb(e.What), e.For, e.Cmd, e.Status)
	if e.Fatal != "" {
		msg += "; kpatch_gensrc refused the change: " + e.Fatal
	}
	return msg
}

func verb(what string) string {
	switch what {
	case "install":
		return "installing"
	case "configure":
		return "configuring"
	}
	return "building"
}

// Run runs s and waits for it. Cancelling ctx stops the command's whole
// process group, with the signal named by the cause when it has a Signal()
// method (SIGINT stays SIGINT), and returns the cause.
func (r *Runner) Run(ctx context.Context, s Step) error {
	if err := context.Cause(ctx); ctx.Err() != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, s.Argv[0], s.Argv[1:]...)
	cmd.Dir = s.Dir
	cmd.Env = slices.Concat(r.Env, r.stageEnv(s.Stage), s.Env)
	fatal := &fatalWatch{}
	cmd.Stdout = io.MultiWriter(orDiscard(r.Stdout), fatal)
	cmd.Stderr = io.MultiWriter(orDiscard(r.Stderr), fatal)
	setGroupKill(ctx, cmd)
	shown := ccargs.Quote(s.Argv)
	if r.Verbose {
		fmt.Fprintf(orDiscard(r.Stdout), "+ (cd %s && %sKPATCH_STAGE=%s %s)\n", s.Dir, envPrefix(s.Env), s.Stage, shown)
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		killGroup(cmd)
		return context.Cause(ctx)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &Error{What: s.What, For: s.For, Cmd: displayCmd(s.Argv), Status: ee.ExitCode(), Fatal: fatal.first()}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", s.Argv[0], err)
	}
	return nil
}

func (r *Runner) stageEnv(stage string) []string {
	if r.StageEnv == nil {
		return []string{"KPATCH_STAGE=" + stage}
	}
	return r.StageEnv(stage)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func envPrefix(env []string) string {
	if len(env) == 0 {
		return ""
	}
	return ccargs.Quote(env) + " "
}

// displayCmd names a command in messages the way the user would type it:
// the program's base name and its non-variable arguments, at most three
// (make install, cmake --build, sh -c '...').
func displayCmd(argv []string) string {
	if inner, ok := placement.Inner(argv); ok {
		return displayCmd(inner)
	}
	if len(argv) > 4 && argv[0] == "sh" && argv[1] == "-c" && argv[3] == "sh" {
		return displayCmd(argv[4:]) // shellArgv's wrapper
	}
	if len(argv) == 3 && argv[0] == "sh" && argv[1] == "-c" {
		return "sh -c " + ccargs.Quote(argv[2:])
	}
	words := []string{baseName(argv[0])}
	for i := 1; i < len(argv) && len(words) < 3; i++ {
		a := argv[i]
		switch {
		case a == "-j" || a == "-f" || a == "-C":
			i++ // and its value
		case strings.HasPrefix(a, "-j"), strings.HasPrefix(a, "-D"), strings.HasPrefix(a, "/"),
			!strings.HasPrefix(a, "-") && strings.Contains(a, "="):
		default:
			words = append(words, a)
		}
	}
	return strings.Join(words, " ")
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// setGroupKill runs cmd in its own process group and, on cancellation,
// sends the cancelling signal to the whole group (make and its compilers).
func setGroupKill(ctx context.Context, cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		sig := syscall.SIGTERM
		var s interface{ Signal() syscall.Signal }
		if errors.As(context.Cause(ctx), &s) {
			sig = s.Signal()
		}
		return syscall.Kill(-cmd.Process.Pid, sig)
	}
	cmd.WaitDelay = killDelay
}

// killGroup ends what is left of a cancelled build's process group: a rule
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
