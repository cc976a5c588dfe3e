package bidcheck

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"slices"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
)

// maxShown caps the strings and sections a diagnosis names.
const maxShown = 3

// Diagnose compares a built object with the deployed one whose Build-ID
// it does not have and says what differs, most telling first: debug
// sections in one only (-g), the compiler version in .comment, the
// compile options recorded in DWARF, embedded strings (a build
// dependency's version, a path, a date), the loaded sections, and last
// "only debug info" when the code and data are the same.
func Diagnose(built, target string) string {
	b, err := load(built)
	if err != nil {
		return err.Error()
	}
	t, err := load(target)
	if err != nil {
		return err.Error()
	}
	var causes []string
	for _, f := range []func(b, t *image) string{debugCause, commentCause, producerCause, stringsCause, sectionsCause} {
		if c := f(b, t); c != "" {
			causes = append(causes, c)
		}
	}
	if len(causes) == 0 {
		return "no difference found in the loaded sections, strings or compiler versions"
	}
	return strings.Join(causes, "; ")
}

// image is what Diagnose looks at in one file.
type image struct {
	path     string
	debug    []string          // .debug_* section names
	symtab   bool              // not stripped
	comment  []string          // .comment entries
	producer string            // DW_AT_producer of the first unit
	alloc    map[string][]byte // loaded sections with contents, by name
	order    []string          // their names in file order
	strs     map[string]bool   // printable runs in loaded data sections
}

func load(path string) (*image, error) {
	f, err := elfutil.SafeOpen(path)
	if err != nil {
		return nil, fmt.Errorf("cannot compare with %s: %w", path, err)
	}
	defer f.Close()
	im := &image{path: path, alloc: map[string][]byte{}, strs: map[string]bool{}}
	for _, s := range f.Sections {
		switch {
		case strings.HasPrefix(s.Name, ".debug_"):
			im.debug = append(im.debug, s.Name)
		case s.Type == elf.SHT_SYMTAB:
			im.symtab = true
		case s.Name == ".comment":
			d, _ := elfutil.SafeSectionData(s)
			im.comment = splitNul(d)
		case s.Flags&elf.SHF_ALLOC != 0 && !ignored(s.Name):
			var d []byte
			if s.Type != elf.SHT_NOBITS {
				d, _ = elfutil.SafeSectionData(s)
			}
			im.alloc[s.Name] = d
			im.order = append(im.order, s.Name)
			if s.Flags&elf.SHF_EXECINSTR == 0 {
				addStrings(im.strs, d)
			}
		}
	}
	im.producer = producer(f)
	return im, nil
}

// ignored are loaded sections that differ whenever the Build-ID does.
func ignored(name string) bool {
	return name == ".note.gnu.build-id" || name == ".gnu_debuglink"
}

func splitNul(b []byte) []string {
	var out []string
	for _, p := range bytes.Split(b, []byte{0}) {
		if len(p) > 0 {
			out = append(out, string(p))
		}
	}
	return out
}

// producer is the compiler and options the first compile unit records
// (-grecord-gcc-switches, gcc's default), or "".
func producer(f *elf.File) (s string) {
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	d, err := f.DWARF()
	if err != nil {
		return ""
	}
	e, err := d.Reader().Next()
	if err != nil || e == nil {
		return ""
	}
	s, _ = e.Val(dwarf.AttrProducer).(string)
	return s
}

// addStrings adds the printable runs of at least 6 bytes of d to set.
func addStrings(set map[string]bool, d []byte) {
	start := -1
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] >= 0x20 && d[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= 6 {
			set[string(d[start:i])] = true
		}
		start = -1
	}
}

func debugCause(b, t *image) string {
	switch {
	case len(b.debug) > 0 && len(t.debug) == 0 && !t.symtab:
		return "" // a stripped deployment says nothing about -g
	case len(b.debug) > 0 && len(t.debug) == 0:
		return fmt.Sprintf("-g: the build has debug sections (%s), the target has none (deployed without -g?)", list(b.debug))
	case len(b.debug) == 0 && len(t.debug) > 0:
		return fmt.Sprintf("-g: the target has debug sections (%s), the build has none (the build dropped -g?)", list(t.debug))
	}
	return ""
}

func commentCause(b, t *image) string {
	if len(b.comment) == 0 || len(t.comment) == 0 || slices.Equal(b.comment, t.comment) {
		return ""
	}
	return fmt.Sprintf(".comment compiler versions differ: built %q, target %q",
		strings.Join(b.comment, ", "), strings.Join(t.comment, ", "))
}

func producerCause(b, t *image) string {
	if b.producer == "" || t.producer == "" || b.producer == t.producer {
		return ""
	}
	return fmt.Sprintf("compile options differ: built %q, target %q", b.producer, t.producer)
}

// stringsCause names embedded strings found in one file only.
func stringsCause(b, t *image) string {
	onlyB, onlyT := only(b.strs, t.strs), only(t.strs, b.strs)
	if len(onlyB) == 0 && len(onlyT) == 0 {
		return ""
	}
	return fmt.Sprintf("embedded strings differ (a build dependency's version, a path or a date?): built has %s, target has %s",
		quoted(onlyB), quoted(onlyT))
}

func only(a, b map[string]bool) []string {
	var out []string
	for s := range a {
		if !b[s] {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// sectionsCause names the loaded sections that differ; when there are
// none, only what is not loaded (debug info) can make the difference.
func sectionsCause(b, t *image) string {
	var diff []string
	for _, n := range b.order {
		td, ok := t.alloc[n]
		bd := b.alloc[n]
		switch {
		case !ok:
			diff = append(diff, n+" (built only)")
		case len(bd) != len(td):
			diff = append(diff, fmt.Sprintf("%s (size %#x, target %#x)", n, len(bd), len(td)))
		case !bytes.Equal(bd, td):
			diff = append(diff, n+" (content)")
		}
	}
	for _, n := range t.order {
		if _, ok := b.alloc[n]; !ok {
			diff = append(diff, n+" (target only)")
		}
	}
	if len(diff) > 0 {
		return "sections differ: " + list(diff) + codeHint(diff)
	}
	return "the code and data are identical: only what is not loaded differs (debug info: the build path, " +
		"build-dependency headers or the -g level)"
}

func codeHint(diff []string) string {
	for _, d := range diff {
		if strings.HasPrefix(d, ".text ") {
			return " (other compiler options, e.g. another -O level, or another compiler)"
		}
	}
	return ""
}

func list(names []string) string {
	if len(names) > maxShown {
		return strings.Join(names[:maxShown], ", ") + fmt.Sprintf(" and %d more", len(names)-maxShown)
	}
	return strings.Join(names, ", ")
}

func quoted(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	q := make([]string, 0, maxShown)
	for _, s := range ss[:min(len(ss), maxShown)] {
		if len(s) > 60 {
			s = s[:60] + "…"
		}
		q = append(q, fmt.Sprintf("%q", s))
	}
	if len(ss) > maxShown {
		return strings.Join(q, ", ") + fmt.Sprintf(" and %d more", len(ss)-maxShown)
	}
	return strings.Join(q, ", ")
}
