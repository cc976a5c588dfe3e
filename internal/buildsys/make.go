package buildsys

import (
	"context"
	"path/filepath"
)

// makeSys builds a tree with its makefile: `make` then `make install
// DESTDIR=dir`, CC and CXX on make's command line so they win over the
// makefile's own assignments (facts §6 step 3).
type makeSys struct{ c Config }

func newMake(c Config) (System, error) { return &makeSys{c: c}, nil }

func (m *makeSys) Name() string { return "make" }

func (m *makeSys) Configure(context.Context, *Runner) error { return nil }

func (m *makeSys) Build(ctx context.Context, r *Runner, stage string) error {
	argv := withJobs(m.argv(), r.Jobs)
	return r.Run(ctx, Step{Stage: stage, What: "build", For: stage, Dir: m.c.Build, Argv: argv})
}

func (m *makeSys) Install(ctx context.Context, r *Runner, stage, dest string) error {
	v := m.c.DestDirVar
	if v == "" {
		v = "DESTDIR"
	}
	argv := append(m.argv(), "install", v+"="+dest)
	return r.Run(ctx, Step{Stage: stage, What: "install", For: stage, Dir: m.c.Build, Argv: argv})
}

// argv is make with its makefile and compilers. Only lpmakefile is named
// with -f, as the upstream script does; make finds the others itself.
func (m *makeSys) argv() []string {
	argv := []string{"make"}
	mf := m.c.Makefile
	if mf == "" && isFile(filepath.Join(m.c.Build, "lpmakefile")) {
		mf = "lpmakefile"
	}
	if mf != "" {
		argv = append(argv, "-f", mf)
	}
	return append(argv, "CC="+m.c.CC, "CXX="+m.c.CXX)
}

// configureSys is an autotools-style tree: ./configure (in the configure
// stage, so libcare-cc passes every probe through) when the tree has no
// makefile yet or --configure gave arguments, then make.
type configureSys struct{ makeSys }

func newConfigure(c Config) (System, error) { return &configureSys{makeSys{c: c}}, nil }

func (s *configureSys) Name() string { return "configure" }

func (s *configureSys) Configure(ctx context.Context, r *Runner) error {
	if !s.c.Configured && MakefileIn(s.c.Build) != "" {
		return nil
	}
	script := filepath.Join(s.c.Src, "configure")
	if s.c.Build == s.c.Src {
		script = "./configure"
	}
	argv := shellArgv([]string{script}, s.c.ConfigureArgs)
	return r.Run(ctx, Step{Stage: StageConfigure, What: "configure", For: StageOriginal, Dir: s.c.Build, Argv: argv})
}

// shellArgv runs fixed with args (shell syntax, from the command line)
// appended: through sh when args is not empty, so the user's quoting means
// what it means in a shell, while fixed needs no quoting at all.
func shellArgv(fixed []string, args string) []string {
	if args == "" {
		return fixed
	}
	return append([]string{"sh", "-c", `exec "$@" ` + args, "sh"}, fixed...)
}
