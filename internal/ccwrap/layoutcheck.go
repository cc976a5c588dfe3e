package ccwrap

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/ccargs"
	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/layout"
)

// A struct whose members moved cannot be patched: the running process
// keeps its objects in the old layout, and the patched code would read
// them at the new offsets. In the code this shows only as other offsets,
// which a fix that reads another member shows too; the debug information
// tells them apart. So when both compilations of a source carry DWARF
// (the user builds with -g, which the original stage keeps), OpLayout
// saves both assembly files before the debug filter may rewrite them, and
// the check of the patch code (check.go), once it knows which functions
// the patch holds, assembles them and refuses a changed or new function
// that reaches a type whose layout changed. A source without patch code
// costs nothing more than the copies.

// layoutJob is one source's saved assembly and how to assemble it.
type layoutJob struct {
	orig, patched string
	argv          []string // assembles the file appended to it
}

// saveLayouts runs OpLayout for source s.Keeps[0].Source: From and To
// are its original and patched assembly.
func (c *Config) saveLayouts(s Step) {
	src := s.Keeps[0].Source
	var saved []string
	for _, f := range []string{s.From, s.To} {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(".section\t.debug_info")) {
			return // nothing to compare
		}
		p, err := c.scratch(b)
		if err != nil {
			fmt.Fprintf(c.Stderr, "libcare-cc: warning: %s: struct layouts not compared: %v\n", src, err)
			return
		}
		saved = append(saved, p)
	}
	if c.layouts == nil {
		c.layouts = map[string]*layoutJob{}
	}
	c.layouts[src] = &layoutJob{orig: saved[0], patched: saved[1], argv: s.Argv}
}

// scratch writes b to a new file in the run's private directory.
func (c *Config) scratch(b []byte) (string, error) {
	if c.tmpDir == "" {
		d, err := os.MkdirTemp("", "libcare-cc.")
		if err != nil {
			return "", err
		}
		c.tmpDir = d
	}
	f, err := os.CreateTemp(c.tmpDir, "*.s")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// layoutChanges assembles a saved job and compares the layouts; nil
// changes when there is nothing to say.
func (c *Config) layoutChanges(job *layoutJob) ([]layout.Change, *layout.Unit, error) {
	units := make([]*layout.Unit, 2)
	for i, f := range []string{job.orig, job.patched} {
		obj := strings.TrimSuffix(f, ".s") + ".o"
		argv := append(append([]string{}, job.argv...), f, "-o", obj)
		c.debugf("run: %s", ccargs.Quote(argv))
		if code := c.runEnv(argv, c.Env); code != 0 {
			return nil, nil, fmt.Errorf("assembling %s failed (status %d)", filepath.Base(f), code)
		}
		u, err := readUnit(obj)
		if err != nil {
			return nil, nil, err
		}
		units[i] = u
	}
	return layout.Compare(units[0], units[1]), units[1], nil
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
		job := c.layouts[src]
		if job == nil {
			continue
		}
		changes, unit, err := c.layoutChanges(job)
		if err != nil {
			fmt.Fprintf(c.Stderr, "libcare-cc: warning: %s: struct layouts not compared: %v\n", src, err)
			continue
		}
		for _, ch := range changes {
			if users := unit.Users(ch.Name, names); len(users) > 0 {
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
