package ccwrap

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/layout"
)

// A struct whose members moved cannot be patched: the running process
// keeps its objects in the old layout, and the patched code would read
// them at the new offsets. In the code this shows only as other offsets,
// which a fix that reads another member shows too; the debug information
// tells them apart. So when both compilations of a source carry DWARF
// (the user builds with -g, which the original stage keeps), the patched
// stage assembles both before the debug filter runs, and the check of the
// patch code (check.go) refuses a changed or new function that reaches a
// type whose layout changed.

// layoutChanges is what OpLayout found for one source.
type layoutChanges struct {
	changes []layout.Change
	unit    *layout.Unit // the patched compilation's
}

// readLayouts runs OpLayout: From and To are the original and patched
// assembly of source s.Keeps[0].Source. Without DWARF on both sides there
// is nothing to compare; a failure to read it is a warning, not a stop.
func (c *Config) readLayouts(s Step) {
	src := s.Keeps[0].Source
	old, new, err := c.layoutUnits(s)
	if err != nil {
		fmt.Fprintf(c.Stderr, "libcare-cc: warning: %s: struct layouts not compared: %v\n", src, err)
		return
	}
	if old == nil {
		return
	}
	if ch := layout.Compare(old, new); len(ch) > 0 {
		if c.layouts == nil {
			c.layouts = map[string]*layoutChanges{}
		}
		c.layouts[src] = &layoutChanges{changes: ch, unit: new}
	}
}

// layoutUnits assembles both files into a private directory and reads
// their DWARF; nil units when either has no debug information.
func (c *Config) layoutUnits(s Step) (old, new *layout.Unit, err error) {
	files := []string{s.From, s.To}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		if !bytes.Contains(b, []byte(".section\t.debug_info")) {
			return nil, nil, nil
		}
	}
	dir, err := os.MkdirTemp("", "libcare-cc.")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	units := make([]*layout.Unit, 2)
	for i, f := range files {
		obj := filepath.Join(dir, fmt.Sprintf("%d.o", i))
		argv := append(append([]string{}, s.Argv...), f, "-o", obj)
		c.debugf("run: %s", quote(argv))
		if code := c.runEnv(argv, c.Env); code != 0 {
			return nil, nil, fmt.Errorf("assembling %s failed (status %d)", f, code)
		}
		if units[i], err = readUnit(obj); err != nil {
			return nil, nil, err
		}
	}
	return units[0], units[1], nil
}

func readUnit(obj string) (*layout.Unit, error) {
	f, err := elfutil.SafeOpen(obj)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", obj, err)
	}
	return layout.Read(d)
}

// checkLayouts refuses patch code of a source whose changed or new
// functions reach a type with a changed layout.
func (c *Config) checkLayouts(recs []record, keeps []Keep) error {
	bySource := map[string][]string{}
	for _, r := range recs {
		src := sourceOf(r.name, keeps)
		bySource[src] = append(bySource[src], r.name)
		if h := humanName(r.name); h != r.name {
			bySource[src] = append(bySource[src], h)
		}
	}
	var msgs []string
	for src, names := range bySource {
		lc := c.layouts[src]
		if lc == nil {
			continue
		}
		for _, ch := range lc.changes {
			if users := lc.unit.Users(ch.Name, names); len(users) > 0 {
				msgs = append(msgs, fmt.Sprintf("%s: %s changed its layout (%s) and the patched %s %s it",
					src, ch.Name, ch.Describe(), plural(len(users), "function", "functions"), usesVerb(users)))
			}
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s; a struct layout change is not patchable (the running process keeps its objects in the old layout)",
		strings.Join(msgs, "; "))
}

// humanName is a function's C name without gcc's clone suffixes
// (foo.part.0, foo.isra.0, foo.constprop.0 → foo).
func humanName(n string) string {
	if i := strings.IndexByte(n, '.'); i > 0 {
		return n[:i]
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// usesVerb lists the users and the verb: "get_b uses", "f, g use".
func usesVerb(users []string) string {
	if len(users) == 1 {
		return users[0] + " uses"
	}
	return strings.Join(users, ", ") + " use"
}
