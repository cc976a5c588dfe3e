package ccwrap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/golibcare/golibcare/internal/ccargs"
)

// ExitFatal is the exit status of libcare-cc's own fatal errors, as
// kpatch_cc.c.
const ExitFatal = 129

// Main runs libcare-cc for argv (argv[0] is the name it was called by)
// in environment env and returns the exit status. A passthrough replaces
// the process and does not return.
func Main(argv, env []string) int {
	self, err := SelfPath()
	if err != nil {
		return fatal(os.Stderr, err)
	}
	c, err := LoadConfig(env, self)
	if err != nil {
		return fatal(os.Stderr, err)
	}
	return c.Run(argv)
}

// Run plans and runs argv and returns the exit status: the real
// compiler's or kpatch_gensrc's, or ExitFatal for libcare-cc's own errors.
func (c *Config) Run(argv []string) int {
	if len(argv) == 0 {
		argv = []string{"libcare-cc"}
	}
	if c.Debug >= 2 {
		c.debugf("argv: %s", ccargs.Quote(argv))
		c.debugf("stage=%s cc=%s cxx=%s kpatch_path=%s", c.Stage, c.CC, c.CXX, c.KpatchPath)
	}
	p, err := c.NewPlan(argv)
	if err != nil {
		return fatal(c.Stderr, err)
	}
	if p.Exec != nil {
		return c.exec(p)
	}
	defer func() {
		if c.tmpDir != "" {
			os.RemoveAll(c.tmpDir)
		}
	}()
	done := c.startSpeculations(p)
	for _, s := range p.Steps {
		if code := c.step(s); code != 0 {
			done(false)
			return code
		}
	}
	done(true)
	return 0
}

// exec replaces libcare-cc with the plan's command, so the compiler's exit
// status and signals reach make unchanged.
func (c *Config) exec(p *Plan) int {
	if p.Passthrough {
		c.debugf("passthrough (%s): %s", p.Reason, ccargs.Quote(p.Exec))
	} else {
		c.debugf("exec: %s", ccargs.Quote(p.Exec))
	}
	err := c.Exec(p.Exec[0], p.Exec, c.Env)
	return fatal(c.Stderr, fmt.Errorf("exec %s: %w", p.Exec[0], err))
}

func (c *Config) step(s Step) int {
	switch s.Op {
	case OpRun:
		return c.runCmd(s.Argv)
	case OpRename:
		c.debugf("rename %s %s", s.From, s.To)
		if err := os.Rename(s.From, s.To); err != nil {
			return fatal(c.Stderr, err)
		}
	case OpCopy:
		c.debugf("copy %s %s", s.From, s.To)
		if err := copyFile(s.From, s.To); err != nil {
			return fatal(c.Stderr, err)
		}
	case OpHook:
		return c.runHooked(s)
	case OpLayout:
		c.saveLayouts(s)
	case OpCheck:
		if err := c.checkPatchCode(s.From, s.Keeps); err != nil {
			os.Remove(s.From)
			return fatal(c.Stderr, err)
		}
	}
	return 0
}

// runHooked runs the original stage's command with the assembler hook.
// When the runs did not go through the hook as planned, or no hook could
// be made, each assembly is made by a separate compile: slower, but never
// a wrong original.
func (c *Config) runHooked(s Step) int {
	env := c.Env
	h, err := newHook(s.Keeps)
	switch {
	case errors.Is(err, errNoExec):
		c.debugf("%v: compiling the assembly separately", err)
	case err != nil:
		return fatal(c.Stderr, err)
	default:
		defer h.remove()
		env = h.env(c.Env)
	}
	c.debugf("run: %s", ccargs.Quote(s.Argv))
	if code := c.runEnv(s.Argv, env); code != 0 {
		return code
	}
	if h != nil {
		err = h.collect()
		if err == nil {
			return 0
		}
		if !errors.Is(err, errNotPlanned) {
			removeAll(s.Outputs)
			return fatal(c.Stderr, err)
		}
		c.debugf("%v: compiling the assembly separately", err)
	}
	for _, k := range s.Keeps {
		if code := c.fallback(k); code != 0 {
			removeAll(s.Outputs)
			return code
		}
	}
	return 0
}

// fallback writes k.Asm without the hook.
func (c *Config) fallback(k Keep) int {
	switch {
	case k.Asm == "":
		return 0
	case k.Fallback == nil:
		c.debugf("copy %s %s", k.Source, k.Asm)
		if err := copyFile(k.Source, k.Asm); err != nil {
			return fatal(c.Stderr, err)
		}
		return 0
	}
	return c.runCmd(k.Fallback)
}

func removeAll(files []string) {
	for _, f := range files {
		os.Remove(f)
	}
}

// runCmd runs argv and returns its exit status; a command killed by a
// signal gives 128+signal, as in the shell.
func (c *Config) runCmd(argv []string) int {
	c.debugf("run: %s", ccargs.Quote(argv))
	return c.runEnv(argv, c.Env)
}

func (c *Config) runEnv(argv, env []string) int {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Stdin, c.Stdout, c.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	default:
		return fatal(c.Stderr, fmt.Errorf("run %s: %w", argv[0], err))
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

func (c *Config) debugf(format string, args ...any) {
	if c.Debug >= 1 {
		fmt.Fprintf(c.Stderr, "libcare-cc: "+format+"\n", args...)
	}
}

func fatal(w io.Writer, err error) int {
	fmt.Fprintf(w, "libcare-cc: %v\n", err)
	return ExitFatal
}
