package buildsys

import (
	"context"
	"path/filepath"
)

// mesonSys sets a meson project up in its own build directory (CC and CXX
// from the environment name libcare-cc, which meson records at setup),
// builds it with ninja and installs it with meson install --destdir.
type mesonSys struct{ c Config }

func newMeson(c Config) (System, error) { return &mesonSys{c: c}, nil }

func (s *mesonSys) Name() string { return "meson" }

func (s *mesonSys) Configure(ctx context.Context, r *Runner) error {
	if isFile(filepath.Join(s.c.Build, "build.ninja")) {
		return nil
	}
	argv := shellArgv([]string{"meson", "setup", s.c.Build, s.c.Src}, s.c.ConfigureArgs)
	return r.Run(ctx, Step{Stage: StageConfigure, What: "configure", For: StageOriginal, Dir: s.c.Src, Argv: argv})
}

// Build runs ninja itself: `meson compile` would only start it.
func (s *mesonSys) Build(ctx context.Context, r *Runner, stage string) error {
	argv := withJobs([]string{"ninja", "-C", s.c.Build}, r.Jobs)
	return r.Run(ctx, Step{Stage: stage, What: "build", For: stage, Dir: s.c.Build, Argv: argv})
}

func (s *mesonSys) Install(ctx context.Context, r *Runner, stage, dest string) error {
	argv := []string{"meson", "install", "-C", s.c.Build, "--no-rebuild", "--destdir", dest}
	return r.Run(ctx, Step{Stage: stage, What: "install", For: stage, Dir: s.c.Build, Argv: argv})
}
