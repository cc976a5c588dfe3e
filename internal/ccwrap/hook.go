package ccwrap

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/gensrc"
)

// The original stage must build exactly what the user's own make builds
// (design §3.8: the .kpatch is keyed by the Build-ID of that binary), so
// libcare-cc runs the compile line unchanged and takes the assembly where
// gcc hands it to the assembler: a private directory holding an "as"
// script goes first on the compiler's COMPILER_PATH, which gcc searches
// for its helper programs before PATH. The script copies its input and
// execs the assembler gcc would have run, with the same arguments, so the
// object is the one gcc alone makes, whatever the line holds (several
// sources, compile and link, -pipe, -save-temps, -MD). A shell script
// rather than libcare-cc itself: it runs once per source, and a shell
// and cat start in a fraction of a Go program's time.

const compilerPathVar = "COMPILER_PATH"

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

// errNoExec says the temporary directory cannot hold the hook.
var errNoExec = errors.New("temporary directory mounted noexec")

// newHook makes the hook directory for keeps.
func newHook(keeps []Keep) (*hook, error) {
	dir, err := os.MkdirTemp("", "libcare-cc.")
	if err != nil {
		return nil, fmt.Errorf("assembler hook: %w", err)
	}
	h := &hook{dir: dir, keeps: keeps}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil && st.Flags&unix.ST_NOEXEC != 0 {
		h.remove()
		return nil, fmt.Errorf("assembler hook in %s: %w", filepath.Dir(dir), errNoExec)
	}
	if err := os.WriteFile(filepath.Join(dir, "as"), []byte(h.script()), 0o755); err != nil {
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
	return setEnv(env, compilerPathVar, cp)
}

// hookScript is the assembler hook. Run n (claimed with a noclobber
// redirection: gcc runs the assembler once per input, one after the
// other) copies its input to asm.n when n is to be kept; -pipe input is
// read from standard input and given to the assembler from the copy. The
// input is the last operand ("... -o OUT IN"). The real assembler is the
// next "as" on COMPILER_PATH (which gcc passes on with its own
// directories) or PATH.
const hookScript = `#!/bin/sh
# libcare-cc's assembler hook (internal/ccwrap/hook.go)
d=%s
set -C
n=0
until true 2>/dev/null >"$d/run.$n"; do n=$((n+1)); done
set +C
keep=
case $n in
%s) keep=1 ;;
esac
in= skip=
for a do
	if [ -n "$skip" ]; then skip=; continue; fi
	case $a in
	-o|-I|--defsym|--debug-prefix-map) skip=1 ;;
	-*) ;;
	*) in=$a ;;
	esac
done
if [ -n "$keep" ]; then
	if [ -n "$in" ]; then
		cat -- "$in" >"$d/asm.$n" || exit 1
	else
		cat >"$d/asm.$n" || exit 1
		exec <"$d/asm.$n"
	fi
fi
set -f
IFS=:
for p in $COMPILER_PATH $PATH; do
	[ -n "$p" ] || p=.
	if [ -x "$p/as" ] && ! [ "$p/as" -ef "$d/as" ]; then
		unset IFS
		exec "$p/as" "$@"
	fi
done
echo "libcare-cc: assembler hook: no as on COMPILER_PATH or PATH" >&2
exit 1
`

func (h *hook) script() string {
	var kept []string
	for n, k := range h.keeps {
		if k.Asm != "" {
			kept = append(kept, strconv.Itoa(n))
		}
	}
	if len(kept) == 0 {
		kept = []string{"none"}
	}
	return fmt.Sprintf(hookScript, shellQuote(h.dir), strings.Join(kept, "|"))
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// runs counts the assembler runs that went through the hook.
func (h *hook) runs() int {
	n := 0
	for ; n < maxRuns; n++ {
		if _, err := os.Stat(filepath.Join(h.dir, "run."+strconv.Itoa(n))); err != nil {
			break
		}
	}
	return n
}

// maxRuns bounds the assembler runs of one compile line.
const maxRuns = 1 << 16

// ErrNotPlanned says the assembler runs did not go as planned: the
// assembly is made by separate compiles instead.
var errNotPlanned = errors.New("assembler runs not as planned")

// collect moves each kept copy to its assembly file. An LTO input is
// refused (the object holds no code); a copy whose .file names another
// source of the line, or a number of runs other than planned, means the
// plan did not match what gcc did (errNotPlanned).
func (h *hook) collect() error {
	if n := h.runs(); n != len(h.keeps) {
		return fmt.Errorf("%w: %d runs for %d inputs", errNotPlanned, n, len(h.keeps))
	}
	copies := make([][]byte, len(h.keeps))
	for n, k := range h.keeps {
		if k.Asm == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(h.dir, "asm."+strconv.Itoa(n)))
		if err != nil {
			return fmt.Errorf("%w: %v", errNotPlanned, err)
		}
		if bytes.Contains(data, []byte(".gnu.lto_")) {
			return fmt.Errorf("%s: %s", k.Source, gensrc.ErrLTO)
		}
		if src := fileDirective(data); src != "" && src != filepath.Base(k.Source) && h.names(src) {
			return fmt.Errorf("%w: the assembly kept for %s is %s's", errNotPlanned, k.Source, src)
		}
		copies[n] = data
	}
	for n, k := range h.keeps {
		if k.Asm != "" {
			if err := writeAtomic(k.Asm, copies[n]); err != nil {
				return fmt.Errorf("keep assembly: %w", err)
			}
		}
	}
	return nil
}

// names reports whether base names a source of the plan.
func (h *hook) names(base string) bool {
	for _, k := range h.keeps {
		if filepath.Base(k.Source) == base {
			return true
		}
	}
	return false
}

// writeAtomic replaces path by data through a private temporary name: two
// compile lines of a parallel make may keep the same source's assembly
// (facts §5.3 names it after the source).
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
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
