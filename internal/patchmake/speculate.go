package patchmake

import (
	"os"
	"path/filepath"
)

// speculation lays out the patched version of every touched file (from
// the dry run's tree) in a mirror of their absolute paths in the work
// tree, for libcare-cc's speculative compiles (KPCC_SPECULATE): while the
// original stage compiles such a file, libcare-cc compiles its patched
// version on another core, and the patched stage takes that assembly
// after checking it read the same bytes. The patched compile of the
// changed files then overlaps the original build instead of following it.
func (r *run) speculation(touched []string) error {
	dir := filepath.Join(r.tmpDir, "spec")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	work, err := filepath.EvalSymlinks(r.work.Src)
	if err != nil {
		return err
	}
	for _, rel := range touched {
		b, err := os.ReadFile(filepath.Join(r.checkDir, filepath.FromSlash(rel)))
		if err != nil {
			continue // deleted by the patch: nothing to compile
		}
		p := filepath.Join(dir, work, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	r.specDir = dir
	return nil
}

func (r *run) endSpeculation() {
	if r.specDir != "" {
		os.RemoveAll(r.specDir)
		r.specDir = ""
	}
}

// stageEnv is the environment of one stage of the build (stageEnv) and,
// in the original stage while speculation is on, where the patched files
// are and the patched stage's KPCC_APPEND_ARGS.
func (r *run) stageEnv(stage string) []string {
	env := stageEnv(stage, r.o.Verbose, r.treeMap)
	if stage == StageOriginal && r.specDir != "" {
		env = append(env, "KPCC_SPECULATE="+r.specDir, "KPCC_SPECULATE_APPEND_ARGS=-Wl,-q")
	}
	return env
}
