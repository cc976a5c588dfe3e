// Package ccwrap is libcare-cc: a gcc wrapper that, while a project builds,
// keeps the assembly of every C/C++ file it compiles (stage "original") and,
// in the rebuild after a source patch (stage "patched"), runs kpatch_gensrc
// on the original and patched assembly so the objects carry the patch code
// in .kpatch.* sections (facts §5, design §5). Anything it does not
// handle passes through to the real compiler unchanged.
package ccwrap

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Stage is the build stage named by KPATCH_STAGE.
type Stage string

// The stages of libcare-patch-make.
const (
	StageOriginal  Stage = "original"
	StagePatched   Stage = "patched"
	StageConfigure Stage = "configure"
)

// Defaults of kpatch_cc.c.
const (
	DefaultDbgFilterArgs = "--dbg-filter;--dbg-filter-eh-frame;--dbg-filter-gcc-except-table;--os=rhel6"
	DefaultPatchArgs     = "--force-gotpcrel;--os=rhel6"
	DefaultPrefix        = ".kpatch_"
	fallbackCC           = "/usr/bin/gcc"
	fallbackCXX          = "/usr/bin/g++"
	// depthVar counts how deep libcare-cc runs inside its own children: a
	// compiler wrapper (ccache, a script) that finds libcare-cc again on
	// PATH would otherwise loop forever.
	depthVar = "LIBCARE_CC_DEPTH"
	maxDepth = 4
)

// ErrLoop is returned when libcare-cc is run again by its own real compiler.
var ErrLoop = errors.New("exec loop")

// Config is libcare-cc's view of its environment (facts §5.1).
type Config struct {
	// Stage is KPATCH_STAGE.
	Stage Stage
	// KpatchPath is the directory holding kpatch_gensrc (KPATCH_PATH,
	// default the directory of libcare-cc itself).
	KpatchPath string
	// CC and CXX are the real compilers (KPCCREAL, KPCXXREAL).
	CC, CXX string
	// Debug is KPCC_DEBUG: 1 prints each command, 2 also argv and config.
	Debug int
	// RemoveArgs are the exact arguments to drop (KPCC_REMOVE_ARGS,
	// empty by default: -g stays, design §3.8).
	RemoveArgs []string
	// AppendArgs are added to every compiler call that does not pass
	// through (KPCC_APPEND_ARGS, e.g. -Wl,-q).
	AppendArgs []string
	// DbgFilterArgs and PatchArgs are the kpatch_gensrc arguments of the
	// patched stage (KPCC_DBGFILTER_ARGS, KPCC_PATCH_ARGS).
	DbgFilterArgs, PatchArgs []string
	// GensrcAsm sends .s/.S inputs through kpatch_gensrc too (KPATCH_GENSRC_ASM).
	GensrcAsm bool
	// Prefix starts every assembly file name (KPATCH_PREFIX).
	Prefix string
	// AsmDir, if set, holds the assembly files (KPATCH_ASM_DIR).
	AsmDir string
	// SpecDir and SpecAppend are KPCC_SPECULATE and
	// KPCC_SPECULATE_APPEND_ARGS (speculate.go).
	SpecDir    string
	SpecAppend []string
	// TreeMap is KPCC_TREE_MAP: the copy being built and the tree whose
	// file names its binaries carry (treemap.go).
	TreeMap [2]string
	// Env is the environment of the commands libcare-cc runs.
	Env []string
	// Stdin, Stdout and Stderr are those of the commands it runs.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Exec replaces the process with a command (syscall.Exec); tests may
	// replace it.
	Exec func(path string, argv, env []string) error

	// layouts holds, per source, the assembly OpLayout saved for the
	// struct layout check of OpCheck (layoutcheck.go), in tmpDir, which
	// Run removes.
	layouts map[string]*layoutJob
	tmpDir  string
}

// LoadConfig reads the configuration from env. self is the path of the
// running libcare-cc, used for the KPATCH_PATH default and so that the real
// compiler found on PATH is never libcare-cc itself.
func LoadConfig(env []string, self string) (*Config, error) {
	get := func(k string) (string, bool) { return lookup(env, k) }
	c := &Config{Env: env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Exec: syscall.Exec}
	stage, _ := get("KPATCH_STAGE")
	switch Stage(stage) {
	case StageOriginal, StagePatched, StageConfigure:
		c.Stage = Stage(stage)
	default:
		return nil, fmt.Errorf("wrong KPATCH_STAGE: '%s' (want original, patched or configure)", stage)
	}
	if err := c.loadDepth(get); err != nil {
		return nil, err
	}
	c.KpatchPath = filepath.Dir(self)
	if v, ok := get("KPATCH_PATH"); ok && v != "" {
		c.KpatchPath = v
	}
	c.loadLists(get)
	c.loadSpeculation(get)
	c.loadTreeMap(get)
	if v, ok := get("KPCC_DEBUG"); ok {
		c.Debug, _ = strconv.Atoi(strings.TrimSpace(v))
	}
	_, c.GensrcAsm = get("KPATCH_GENSRC_ASM")
	c.Prefix = DefaultPrefix
	if v, ok := get("KPATCH_PREFIX"); ok {
		c.Prefix = v
	}
	c.AsmDir, _ = get("KPATCH_ASM_DIR")
	path, _ := get("PATH")
	var err error
	if c.CC, err = realCompiler(get, "KPCCREAL", "gcc", fallbackCC, path, self); err != nil {
		return nil, err
	}
	if c.CXX, err = realCompiler(get, "KPCXXREAL", "g++", fallbackCXX, path, self); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Config) loadDepth(get func(string) (string, bool)) error {
	v, _ := get(depthVar)
	depth, _ := strconv.Atoi(v)
	if depth >= maxDepth {
		return fmt.Errorf("%w: the real compiler runs libcare-cc again (%s=%d); set KPCCREAL to the real gcc",
			ErrLoop, depthVar, depth)
	}
	c.Env = setEnv(c.Env, depthVar, strconv.Itoa(depth+1))
	return nil
}

func (c *Config) loadLists(get func(string) (string, bool)) {
	if v, ok := get("KPCC_REMOVE_ARGS"); ok {
		c.RemoveArgs = splitList(v)
	}
	v, _ := get("KPCC_APPEND_ARGS")
	c.AppendArgs = splitList(v)
	c.DbgFilterArgs = splitList(DefaultDbgFilterArgs)
	if v, ok := get("KPCC_DBGFILTER_ARGS"); ok {
		c.DbgFilterArgs = splitList(v)
	}
	c.PatchArgs = splitList(DefaultPatchArgs)
	if v, ok := get("KPCC_PATCH_ARGS"); ok {
		c.PatchArgs = splitList(v)
	}
}

// removed reports whether the option s is dropped from compiler calls.
func (c *Config) removed(s string) bool {
	for _, r := range c.RemoveArgs {
		if s == r {
			return true
		}
	}
	return false
}

// splitList splits a ';'-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ";") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// lookup returns the last value of k in env, as getenv does.
func lookup(env []string, k string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v, true
		}
	}
	return "", false
}

// setEnv returns env with k set to v.
func setEnv(env []string, k, v string) []string {
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, k+"=") {
			out = append(out, e)
		}
	}
	return append(out, k+"="+v)
}

// realCompiler finds the compiler named by variable v, or name on PATH,
// skipping every candidate that is libcare-cc itself (a PATH dir with a
// gcc -> libcare-cc link comes first during libcare-patch-make).
func realCompiler(get func(string) (string, bool), v, name, fallback, path, self string) (string, error) {
	if want, ok := get(v); ok && want != "" {
		if strings.ContainsRune(want, '/') {
			if isSelf(want, self) {
				return "", fmt.Errorf("%s=%s is libcare-cc itself", v, want)
			}
			return want, nil
		}
		name = want
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if isExecutable(p) && !isSelf(p, self) {
			return p, nil
		}
	}
	return fallback, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// isSelf reports whether p is (a link to) the file self.
func isSelf(p, self string) bool {
	a, err := os.Stat(p)
	if err != nil {
		return false
	}
	b, err := os.Stat(self)
	return err == nil && os.SameFile(a, b)
}

// SelfPath returns the path of the running executable with symlinks
// resolved.
func SelfPath() (string, error) {
	p, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find libcare-cc: %w", err)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p, nil
}
