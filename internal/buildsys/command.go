package buildsys

import (
	"context"
	"errors"
)

// commandSys builds with the user's own shell commands (--build CMD
// --install CMD) for any build that honours CC, CXX and PATH. The install
// command finds its root in $DESTDIR.
type commandSys struct{ c Config }

func newCommand(c Config) (System, error) {
	switch {
	case c.BuildCmd == "" || c.InstallCmd == "":
		return nil, errors.New("the command build system needs both --build and --install")
	case c.Configured:
		return nil, errors.New("--configure does not apply to --build/--install: put the step into --build")
	}
	return &commandSys{c: c}, nil
}

func (s *commandSys) Name() string { return "command" }

func (s *commandSys) Configure(context.Context, *Runner) error { return nil }

func (s *commandSys) Build(ctx context.Context, r *Runner, stage string) error {
	return r.Run(ctx, Step{Stage: stage, What: "build", For: stage, Dir: s.c.Src,
		Argv: []string{"sh", "-c", s.c.BuildCmd}})
}

func (s *commandSys) Install(ctx context.Context, r *Runner, stage, dest string) error {
	return r.Run(ctx, Step{Stage: stage, What: "install", For: stage, Dir: s.c.Src,
		Argv: []string{"sh", "-c", s.c.InstallCmd}, Env: []string{"DESTDIR=" + dest}})
}
