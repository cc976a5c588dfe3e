package ccwrap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/gensrc"
)

// The original stage must build exactly what the user's own make builds
// (design §3.8: the .kpatch is keyed by the Build-ID of that binary), so
// libcare-cc runs the compile line unchanged and takes the assembly where
// gcc hands it to the assembler: a private directory holding an "as" link
// to libcare-cc goes first on the compiler's COMPILER_PATH, which gcc
// searches for its helper programs before PATH. libcare-cc, run as that
// "as", copies its input and execs the real assembler with the same
// arguments, so the object is the one gcc alone makes, whatever the line
// holds (several sources, compile and link, -pipe, -save-temps, -MD).

const (
	// hookVar names the hook directory in the compiler's environment.
	hookVar         = "LIBCARE_CC_HOOK"
	compilerPathVar = "COMPILER_PATH"
	hookPlan        = "plan"
	// Markers written by each assembler run (run.N holds one of them).
	markKept     = "kept"
	markPass     = "pass"
	markMismatch = "mismatch"
)

// Keep is one assembler run of a compile line, in the order gcc runs them
// (the order of the inputs): the assembly file to keep ("" for none), the
// input it comes from, and the command that writes that assembly on its
// own when the hook was not used (ccache, a -B directory with its own as).
type Keep struct {
	Asm, Source string
	Fallback    []string
}

// hook is a prepared hook directory.
type hook struct {
	dir   string
	keeps []Keep
}

// newHook makes the hook directory for keeps with an "as" link to self.
func newHook(self string, keeps []Keep) (*hook, error) {
	dir, err := os.MkdirTemp("", "libcare-cc.")
	if err != nil {
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	h := &hook{dir: dir, keeps: keeps}
	var plan bytes.Buffer
	for _, k := range keeps {
		plan.WriteString(k.Asm + "\x00" + k.Source + "\x00")
	}
	if err := os.Symlink(self, filepath.Join(dir, "as")); err != nil {
		h.remove()
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, hookPlan), plan.Bytes(), 0o600); err != nil {
		h.remove()
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	return h, nil
}

func (h *hook) remove() { os.RemoveAll(h.dir) }

// env returns env with the hook directory first on COMPILER_PATH.
func (h *hook) env(env []string) []string {
	cp := h.dir
	if old, ok := lookup(env, compilerPathVar); ok && old != "" {
		cp += string(os.PathListSeparator) + old
	}
	return setEnv(setEnv(env, compilerPathVar, cp), hookVar, h.dir)
}

// result reports how many assembler runs went through the hook and
// whether every one kept what the plan said.
func (h *hook) result() (runs int, ok bool) {
	ok = true
	for ; ; runs++ {
		b, err := os.ReadFile(filepath.Join(h.dir, "run."+strconv.Itoa(runs)))
		if err != nil {
			break
		}
		if m := string(b); m != markKept && m != markPass {
			ok = false
		}
	}
	return runs, ok && runs == len(h.keeps)
}

// runHook is libcare-cc run by the compiler as "as": keep a copy of the
// input as the plan says and exec the real assembler with the same
// arguments. An LTO input stops here: the object would hold no code.
func runHook(dir string, argv, env []string) int {
	keeps, err := readPlan(dir)
	if err != nil {
		return fatal(os.Stderr, err)
	}
	n, err := claimRun(dir)
	if err != nil {
		return fatal(os.Stderr, err)
	}
	in := asInput(argv[1:])
	var k Keep
	if n < len(keeps) {
		k = keeps[n]
	}
	mark := markPass
	if k.Asm != "" {
		data, err := readInput(in)
		if err != nil {
			return fatal(os.Stderr, err)
		}
		if bytes.Contains(data, []byte(".gnu.lto_")) {
			writeMark(dir, n, "lto")
			return fatal(os.Stderr, fmt.Errorf("%s: %s", k.Source, gensrc.ErrLTO))
		}
		if mark, err = keepAsm(k, keeps, data); err != nil {
			return fatal(os.Stderr, err)
		}
		if in == "" {
			if err := stdinFrom(filepath.Join(dir, "stdin."+strconv.Itoa(n)+".s"), data); err != nil {
				return fatal(os.Stderr, err)
			}
		}
	}
	if err := writeMark(dir, n, mark); err != nil {
		return fatal(os.Stderr, err)
	}
	return execAs(dir, argv, env)
}

func readPlan(dir string) ([]Keep, error) {
	b, err := os.ReadFile(filepath.Join(dir, hookPlan))
	if err != nil {
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	f := strings.Split(string(b), "\x00")
	var keeps []Keep
	for i := 0; i+1 < len(f); i += 2 {
		keeps = append(keeps, Keep{Asm: f[i], Source: f[i+1]})
	}
	return keeps, nil
}

// maxRuns bounds the assembler runs of one compile line.
const maxRuns = 1 << 16

// claimRun numbers this assembler run: the compiler driver runs them one
// after the other, in the order of its inputs.
func claimRun(dir string) (int, error) {
	for n := 0; n < maxRuns; n++ {
		f, err := os.OpenFile(filepath.Join(dir, "run."+strconv.Itoa(n)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("assembler hook: %w", err)
		}
		return n, f.Close()
	}
	return 0, fmt.Errorf("assembler hook: more than %d assembler runs", maxRuns)
}

func writeMark(dir string, n int, mark string) error {
	return os.WriteFile(filepath.Join(dir, "run."+strconv.Itoa(n)), []byte(mark), 0o600)
}

// asInput returns the input file of an assembler command line as gcc
// writes it ("... -o OUT INPUT"), or "" for standard input (-pipe).
func asInput(args []string) string {
	in := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" || a == "-I" || a == "--defsym" || a == "--debug-prefix-map":
			i++
		case a == "-" || strings.HasPrefix(a, "-"):
		default:
			in = a
		}
	}
	return in
}

func readInput(in string) ([]byte, error) {
	if in == "" {
		b, err := io.ReadAll(os.Stdin)
		if err != nil {
			return nil, fmt.Errorf("assembler hook: read standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(in)
	if err != nil {
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	return b, nil
}

// keepAsm writes data to k.Asm unless its .file names another source of
// the plan: then the runs are not where the plan expected them, and
// libcare-cc compiles the assembly separately instead.
func keepAsm(k Keep, keeps []Keep, data []byte) (string, error) {
	if k.Asm == "" {
		return markPass, nil
	}
	if src := fileDirective(data); src != "" && src != filepath.Base(k.Source) {
		for _, o := range keeps {
			if filepath.Base(o.Source) == src {
				return markMismatch, nil
			}
		}
	}
	// A private temporary name: two compile lines of a parallel make may
	// keep the same source's assembly (facts §5.3 names it after the source).
	f, err := os.CreateTemp(filepath.Dir(k.Asm), filepath.Base(k.Asm)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("keep assembly: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), k.Asm)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("keep assembly: %w", err)
	}
	return markKept, nil
}

// fileDirective returns the name of the first `.file "NAME"` in the first
// lines of gcc's assembly.
func fileDirective(data []byte) string {
	for i := 0; i < 8 && len(data) > 0; i++ {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		f := strings.Fields(string(line))
		if len(f) == 2 && f[0] == ".file" && len(f[1]) >= 2 && f[1][0] == '"' {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// stdinFrom makes a file holding data the standard input of the real
// assembler, which -pipe gives what libcare-cc has read.
func stdinFrom(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("assembler hook: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("assembler hook: %w", err)
	}
	defer f.Close()
	if err := unix.Dup2(int(f.Fd()), 0); err != nil {
		return fmt.Errorf("assembler hook: dup2: %w", err)
	}
	return nil
}

// execAs replaces the hook with the assembler gcc would have run: the
// next "as" on COMPILER_PATH (as gcc passes it on), then on PATH.
func execAs(dir string, argv, env []string) int {
	self := filepath.Join(dir, "as")
	var dirs []string
	if cp, ok := lookup(env, compilerPathVar); ok {
		dirs = append(dirs, filepath.SplitList(cp)...)
	}
	if p, ok := lookup(env, "PATH"); ok {
		dirs = append(dirs, filepath.SplitList(p)...)
	}
	for _, d := range dirs {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, "as")
		if isExecutable(p) && !isSelf(p, self) {
			err := syscall.Exec(p, append([]string{"as"}, argv[1:]...), dropEnv(env, hookVar))
			return fatal(os.Stderr, fmt.Errorf("exec %s: %w", p, err))
		}
	}
	return fatal(os.Stderr, errors.New("assembler hook: no real as on COMPILER_PATH or PATH"))
}

// dropEnv returns env without k.
func dropEnv(env []string, k string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, k+"=") {
			out = append(out, e)
		}
	}
	return out
}
