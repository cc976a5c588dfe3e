package patchmake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// change is the computed new state of one target file.
type change struct {
	rel     string // slash path relative to the patched directory
	data    []byte
	exists  bool // false: the file is deleted
	created bool
}

// Apply applies every file of p under dir. All new contents are computed
// before anything is written, so a hunk that does not apply leaves dir
// untouched. Every file is saved in src before its first change. Progress
// ("patching file foo.c" and offset/fuzz notes) goes to log.
func (p *Patch) Apply(dir string, src *Sources, log io.Writer) error {
	changes, err := p.compute(dir, log)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := writeChange(dir, c, src); err != nil {
			return err
		}
	}
	return nil
}

func (p *Patch) compute(dir string, log io.Writer) ([]*change, error) {
	pending := map[string]*change{}
	var order []*change
	for _, fp := range p.Files {
		rel, err := resolveTarget(dir, fp, pending)
		if err != nil {
			return nil, err
		}
		c := pending[rel]
		if c == nil {
			if c, err = loadChange(dir, rel); err != nil {
				return nil, err
			}
			pending[rel] = c
			order = append(order, c)
		}
		if err := c.apply(fp, log); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func loadChange(dir, rel string) (*change, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	switch {
	case err == nil:
		return &change{rel: rel, data: b, exists: true}, nil
	case errors.Is(err, fs.ErrNotExist):
		return &change{rel: rel}, nil
	default:
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
}

func (c *change) apply(fp *FilePatch, log io.Writer) error {
	switch {
	case fp.Creates() && c.exists && len(c.data) > 0:
		return fmt.Errorf("%s: the patch creates it but it already exists", c.rel)
	case !fp.Creates() && !c.exists:
		return fmt.Errorf("can't find file to patch: %s", c.rel)
	}
	verb := "patching"
	if fp.Creates() && !c.exists {
		verb, c.created = "creating", true
	}
	if fp.Deletes() {
		verb = "deleting"
	}
	fmt.Fprintf(log, "%s file %s\n", verb, c.rel)
	out, notes, err := ApplyHunks(c.rel, c.data, fp.Hunks)
	for _, n := range notes {
		fmt.Fprintln(log, n)
	}
	if err != nil {
		return err
	}
	c.data, c.exists = out, true
	if fp.Deletes() {
		if len(out) != 0 {
			return fmt.Errorf("%s: the patch deletes it but it has other content", c.rel)
		}
		c.exists = false
	}
	return nil
}

func writeChange(dir string, c *change, src *Sources) error {
	path := filepath.Join(dir, filepath.FromSlash(c.rel))
	if err := src.Save(path); err != nil {
		return err
	}
	if !c.exists {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delete %s: %w", c.rel, err)
		}
		return nil
	}
	if c.created {
		if err := src.MkdirAll(filepath.Dir(path)); err != nil {
			return err
		}
	}
	return writeKeepMode(path, c.data)
}

// writeKeepMode rewrites path in place so its mode (and hard links) stay.
func writeKeepMode(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// resolveTarget picks the file a FilePatch changes, like patch(1) without
// prompting: names with a/ or b/ prefixes are tried with one component
// stripped first, then as written; the old name before the new one; the
// first that exists wins (so "--- foo.c / +++ bar.c" patches foo.c). A
// created file goes to the first candidate.
func resolveTarget(dir string, fp *FilePatch, pending map[string]*change) (string, error) {
	cands := candidates(fp)
	if len(cands) == 0 {
		return "", fmt.Errorf("%s: no usable file name in the diff", displayName(fp))
	}
	for _, c := range cands {
		if ch, ok := pending[c]; ok && ch.exists {
			return c, nil
		}
		if _, ok := pending[c]; !ok && isFile(filepath.Join(dir, filepath.FromSlash(c))) {
			return c, nil
		}
	}
	if fp.Creates() {
		return cands[0], nil
	}
	return "", fmt.Errorf("can't find file to patch: %s (tried %s)", displayName(fp), strings.Join(cands, ", "))
}

func candidates(fp *FilePatch) []string {
	var names []string
	for _, n := range []string{fp.OldName, fp.NewName} {
		if n != "" && n != devNull {
			names = append(names, n)
		}
	}
	strips := []int{0, 1}
	if strings.HasPrefix(fp.OldName, "a/") || strings.HasPrefix(fp.NewName, "b/") {
		strips = []int{1, 0}
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range strips {
		for _, n := range names {
			if c, ok := stripName(n, s); ok && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// stripName removes n leading components (patch -pN) and refuses names
// that would leave the patched directory.
func stripName(name string, n int) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(name, "./"), "/")
	if n > 0 && (len(parts) <= n || filepath.IsAbs(name)) {
		return "", false
	}
	rel := strings.Join(parts[n:], "/")
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", false
	}
	return filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel))), true
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
