// Package buildsys knows how to build a source tree and install what it
// built into a directory, for every kind of tree libcare-patch-make
// handles: a makefile, ./configure + make, CMake, meson/ninja, a user's own
// commands, and a Debian source package (dpkg).
// libcare-patch-make drives stages (configure, original, patched) through
// the System interface and never branches on the build system (design §5).
//
// Every system runs its commands through a Runner, which adds the stage's
// environment (KPATCH_STAGE and friends for libcare-cc), shows commands with
// -v, stops the whole process group on cancellation and reports a failed
// command as an *Error.
package buildsys

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Stages of a build: the value of KPATCH_STAGE that libcare-cc reads
// (facts §5.1).
const (
	StageConfigure = "configure"
	StageOriginal  = "original"
	StagePatched   = "patched"
)

// Tree says where a build happens.
type Tree struct {
	// Src is the source tree; the patches apply under it.
	Src string
	// Build is the build directory: Src for in-tree builds (make,
	// ./configure, commands), a separate directory for CMake and meson.
	Build string
}

// Config is what a system needs to know about one build; each system uses
// the fields that apply to it and ignores the rest.
type Config struct {
	Tree
	// Makefile is make's -f argument ("" lets make choose).
	Makefile string
	// DestDirVar is the make variable naming the install root (DESTDIR).
	DestDirVar string
	// ConfigureArgs are extra arguments of the configure step, in shell
	// syntax: ./configure ARGS, cmake ARGS, meson setup ARGS. Configured
	// is true when they were given (even empty), which also makes
	// ./configure run in a tree that has a makefile already.
	ConfigureArgs string
	Configured    bool
	// BuildCmd and InstallCmd are the shell commands of the command system.
	BuildCmd, InstallCmd string
	// CC and CXX are the C and C++ compilers to build with (libcare-cc and
	// a g++ link to it).
	CC, CXX string
	// Scratch is a directory the system may use for its own files (the
	// dpkg system's private root and helper makefile).
	Scratch string
}

// System builds one kind of tree. The tree is fixed when the system is
// made (Config.Tree); the Runner carries the environment of each stage.
type System interface {
	// Name is the name --build-system takes ("make", "cmake", ...).
	Name() string
	// Configure prepares a tree that was never built, in the configure
	// stage: ./configure, cmake or meson setup. It does nothing where
	// there is nothing to prepare.
	Configure(ctx context.Context, r *Runner) error
	// Build builds everything in stage (StageOriginal or StagePatched).
	Build(ctx context.Context, r *Runner, stage string) error
	// Install installs the build of stage into dest, an empty directory.
	Install(ctx context.Context, r *Runner, stage, dest string) error
}

// Factory makes a system for a tree.
type Factory func(Config) (System, error)

var (
	regMu    sync.Mutex
	registry = map[string]Factory{}
)

// Register adds a build system under name (for example "dpkg" from the
// package that knows Debian source packages). It panics on a duplicate
// name, as registering twice is a programming error.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("buildsys: Register called twice for " + name)
	}
	registry[name] = f
}

func init() {
	Register("make", newMake)
	Register("configure", newConfigure)
	Register("cmake", newCMake)
	Register("meson", newMeson)
	Register("command", newCommand)
	Register("dpkg", newDpkg)
}

// Names lists the registered systems, sorted.
func Names() []string {
	regMu.Lock()
	defer regMu.Unlock()
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrUnknown is wrapped by New for a name no system is registered under.
var ErrUnknown = errors.New("unknown build system")

// New makes the system called name for the tree in c.
func New(name string, c Config) (System, error) {
	regMu.Lock()
	f := registry[name]
	regMu.Unlock()
	if f == nil {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknown, name, strings.Join(Names(), ", "))
	}
	if c.Build == "" {
		c.Build = c.Src
	}
	return f(c)
}

// DetectOptions are the command-line facts that steer detection.
type DetectOptions struct {
	Deb        bool // --deb: a Debian source package
	Command    bool // --build/--install given
	Configured bool // --configure given
}

// Detect picks the build system of the tree fsys: --build/--install
// mean "command"; --deb means "dpkg"; otherwise the first of a makefile
// (or lpmakefile), a configure script, CMakeLists.txt and meson.build. A
// configure script wins over a makefile when --configure is given. The
// reason names what decided.
func Detect(fsys fs.FS, o DetectOptions) (name, reason string, err error) {
	switch {
	case o.Command:
		return "command", "--build/--install given", nil
	case o.Deb:
		if fi, err := fs.Stat(fsys, "debian"); err != nil || !fi.IsDir() {
			return "", "", errors.New("--deb: the tree has no debian/ directory")
		}
		return "dpkg", "--deb given", nil
	}
	file := func(name string) bool {
		fi, err := fs.Stat(fsys, name)
		return err == nil && fi.Mode().IsRegular()
	}
	mk := ""
	for _, n := range makefileNames {
		if file(n) {
			mk = n
			break
		}
	}
	switch {
	case o.Configured && file("configure"):
		return "configure", "configure, --configure given", nil
	case mk != "":
		return "make", mk, nil
	case file("configure"):
		return "configure", "configure, no makefile yet", nil
	case file("CMakeLists.txt"):
		return "cmake", "CMakeLists.txt", nil
	case file("meson.build"):
		return "meson", "meson.build", nil
	}
	return "", "", errors.New("no build system found: no makefile, lpmakefile, configure, CMakeLists.txt or meson.build " +
		"(choose one with --build-system, or give --build and --install)")
}

// makefileNames are the names GNU make looks for, after LibcarePlus'
// lpmakefile, which the upstream script prefers.
var makefileNames = []string{"lpmakefile", "GNUmakefile", "makefile", "Makefile"}

// MakefileIn returns the name of the makefile make would use in dir
// (lpmakefile first), or "".
func MakefileIn(dir string) string {
	for _, n := range makefileNames {
		if isFile(filepath.Join(dir, n)) {
			return n
		}
	}
	return ""
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// withJobs appends -j N when jobs > 0.
func withJobs(argv []string, jobs int) []string {
	if jobs > 0 {
		return append(slices.Clip(argv), "-j", fmt.Sprint(jobs))
	}
	return argv
}
