package ccwrap

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/ccargs"
	"github.com/golibcare/golibcare/internal/gensrc"
)

// Op is the kind of one step of a plan.
type Op uint8

const (
	// OpRun runs Argv and stops the plan when it fails.
	OpRun Op = iota
	// OpRename renames From over To.
	OpRename
	// OpCopy copies From to To.
	OpCopy
	// OpHook runs Argv with the assembler hook keeping Keeps (hook.go);
	// Outputs are removed when a later part of the step fails.
	OpHook
	// OpCheck checks the patch code in the object or program From,
	// compiled from the sources in Keeps (check.go).
	OpCheck
	// OpLayout saves the original assembly From and the patched To for
	// OpCheck's struct layout check, which assembles them with Argv +
	// file (layoutcheck.go).
	OpLayout
)

// Step is one thing libcare-cc does.
type Step struct {
	Op       Op
	Argv     []string
	From, To string
	Keeps    []Keep
	Outputs  []string
}

// Plan is what libcare-cc does for one command line: either exec one
// command in its place (Exec), or run Steps in order.
type Plan struct {
	// Exec, if set, replaces libcare-cc (Exec[0] is the program).
	Exec []string
	// Passthrough is true when Exec is the unmodified command line, and
	// Reason says why.
	Passthrough bool
	Reason      string
	// Steps are run in order when Exec is nil.
	Steps []Step
	// Speculate are compiles run beside Steps (speculate.go).
	Speculate []Speculation
}

// NewPlan decides what to do for argv (argv[0] the name libcare-cc was
// called by).
func (c *Config) NewPlan(argv []string) (*Plan, error) {
	args := argv[1:]
	cxx := isCXXName(argv[0])
	cmd, err := ccargs.Parse(args)
	if err != nil {
		return c.passthrough(cxx, args, err.Error()), nil
	}
	cxx = cxx || len(cmd.Sources(ccargs.TypeCXX)) > 0
	if reason := c.passReason(cmd); reason != "" {
		return c.passthrough(cxx, args, reason), nil
	}
	if err := refuseLTO(cmd); err != nil {
		return nil, err
	}
	if tm := c.treeMapArgs(cmd); len(tm) > 0 {
		c.AppendArgs = append(append([]string(nil), c.AppendArgs...), tm...)
		c.SpecAppend = append(append([]string(nil), c.SpecAppend...), tm...)
	}
	b := &builder{c: c, cmd: cmd, cxxName: isCXXName(argv[0])}
	switch {
	case c.Stage == StageOriginal && (cmd.Action != ccargs.ActionLink || len(cmd.Sources(ccargs.TypeC, ccargs.TypeCXX, ccargs.TypeAsm, ccargs.TypeAsmCpp)) > 0):
		return b.original()
	case cmd.Action == ccargs.ActionObject || cmd.Action == ccargs.ActionAsm:
		return b.singles()
	default:
		return b.link()
	}
}

// refuseLTO stops a compile with -flto at its first source (facts §5.4:
// the assembly holds GIMPLE bytecode, no code to compare or patch).
func refuseLTO(cmd *ccargs.Cmdline) error {
	if !cmd.LTO() {
		return nil
	}
	var srcs []string
	for _, i := range cmd.Sources(ccargs.TypeC, ccargs.TypeCXX) {
		srcs = append(srcs, cmd.Args[i].Text)
	}
	if len(srcs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", strings.Join(srcs, ", "), gensrc.ErrLTO)
}

// passthrough execs the real compiler with the unmodified arguments.
func (c *Config) passthrough(cxx bool, args []string, reason string) *Plan {
	return &Plan{Exec: append([]string{c.compiler(cxx)}, args...), Passthrough: true, Reason: reason}
}

func (c *Config) compiler(cxx bool) string {
	if cxx {
		return c.CXX
	}
	return c.CC
}

// isCXXName reports whether libcare-cc was called as a C++ compiler.
func isCXXName(argv0 string) bool {
	switch filepath.Base(argv0) {
	case "g++", "c++", "kpcc++":
		return true
	}
	return strings.HasSuffix(argv0, "-g++") || strings.HasSuffix(argv0, "-c++")
}

// passReason returns why cmd passes through unchanged, or "".
func (c *Config) passReason(cmd *ccargs.Cmdline) string {
	if c.Stage == StageConfigure {
		return "configure stage"
	}
	for _, a := range cmd.Args {
		if strings.Contains(a.Text, "conftest.") || strings.Contains(a.Text, "qemu-conf") {
			return "configure probe"
		}
	}
	switch cmd.Action {
	case ccargs.ActionObject, ccargs.ActionAsm, ccargs.ActionLink:
	default:
		return "action " + cmd.Action.String()
	}
	if cmd.Output == "/dev/null" || cmd.Output == "-" {
		return "output " + cmd.Output
	}
	for _, i := range cmd.Inputs {
		if in := cmd.Args[i].Text; in == "/dev/null" || in == "-" && cmd.Action == ccargs.ActionLink {
			return "input " + in
		}
	}
	if cmd.Action == ccargs.ActionLink {
		return ""
	}
	if len(cmd.Inputs) > 1 && cmd.Output != "" {
		return "-o with several inputs" // gcc refuses it
	}
	for _, i := range cmd.Inputs {
		if in := cmd.Args[i]; c.handles(in.Type, cmd.Action) {
			return ""
		}
	}
	return fmt.Sprintf("%s input", cmd.Args[cmd.Inputs[0]].Type)
}

// handles reports whether libcare-cc makes assembly out of an input of type
// t for action a.
func (c *Config) handles(t ccargs.FileType, a ccargs.Action) bool {
	if t.IsSource() {
		return true
	}
	return t.IsAsm() && c.GensrcAsm && a != ccargs.ActionAsm
}

// asmNames names the assembly files of one output or source: all in dir,
// called <prefix><base>.<stage>.s and <prefix><base>.s (facts §5.3).
type asmNames struct{ dir, base, prefix string }

func (n asmNames) stage(s Stage) string {
	return filepath.Join(n.dir, n.prefix+n.base+"."+string(s)+".s")
}

func (n asmNames) result() string { return filepath.Join(n.dir, n.prefix+n.base+".s") }

// names returns the assembly names for file (an output or a source),
// creating the directory under KPATCH_ASM_DIR when that is set.
func (c *Config) names(file string) (asmNames, error) {
	dir := filepath.Dir(file)
	if c.AsmDir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return asmNames{}, fmt.Errorf("asm dir for %s: %w", file, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		dir = filepath.Join(c.AsmDir, abs)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return asmNames{}, fmt.Errorf("asm dir: %w", err)
		}
	}
	return asmNames{dir: dir, base: filepath.Base(file), prefix: c.Prefix}, nil
}
