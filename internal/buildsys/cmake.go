package buildsys

import (
	"context"
	"os"
	"path/filepath"
)

// cmakeSys configures a CMake project into its own build directory with
// libcare-cc as CMAKE_C_COMPILER and CMAKE_CXX_COMPILER, builds it with
// cmake --build and installs it with cmake --install (DESTDIR in the
// environment, so files land under dest/<prefix>).
type cmakeSys struct{ c Config }

func newCMake(c Config) (System, error) { return &cmakeSys{c: c}, nil }

func (s *cmakeSys) Name() string { return "cmake" }

func (s *cmakeSys) Configure(ctx context.Context, r *Runner) error {
	if isFile(filepath.Join(s.c.Build, "CMakeCache.txt")) {
		return nil
	}
	if err := os.MkdirAll(s.c.Build, 0o755); err != nil {
		return err
	}
	argv := shellArgv([]string{"cmake", "-S", s.c.Src, "-B", s.c.Build,
		"-DCMAKE_C_COMPILER=" + s.c.CC, "-DCMAKE_CXX_COMPILER=" + s.c.CXX}, s.c.ConfigureArgs)
	return r.Run(ctx, Step{Stage: StageConfigure, What: "configure", For: StageOriginal, Dir: s.c.Build, Argv: argv})
}

func (s *cmakeSys) Build(ctx context.Context, r *Runner, stage string) error {
	argv := withJobs([]string{"cmake", "--build", s.c.Build}, r.Jobs)
	return r.Run(ctx, Step{Stage: stage, What: "build", For: stage, Dir: s.c.Build, Argv: argv})
}

func (s *cmakeSys) Install(ctx context.Context, r *Runner, stage, dest string) error {
	return r.Run(ctx, Step{Stage: stage, What: "install", For: stage, Dir: s.c.Build,
		Argv: []string{"cmake", "--install", s.c.Build}, Env: []string{"DESTDIR=" + dest}})
}
