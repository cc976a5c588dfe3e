package layout

import (
	"debug/dwarf"
	"debug/elf"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// unit compiles src with gcc and flags and reads its DWARF.
func unit(t *testing.T, src string, flags ...string) *Unit {
	t.Helper()
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "x.c", src)
	testutil.Run(t, dir, "gcc", append(flags, "-c", "x.c", "-o", "x.o")...)
	f, err := elf.Open(filepath.Join(dir, "x.o"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	u, err := Read(d)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

const header = `struct s { int a; %s int b; };
typedef struct { long x; %s } anon_t;
struct outer { struct s in; int tail; };
`

const body = `
static int __attribute__((noinline)) get_b(struct s *p) { return p->b; }
int use_anon(anon_t *a) { return a->x; }
int deep(struct outer *o) { return o->tail; }
int other(int x) { return x * 3; }
int caller(struct s *p) { return get_b(p) + 1; }
`

func src(extraS, extraAnon string) string {
	return strings.Replace(strings.Replace(header, "%s", extraS, 1), "%s", extraAnon, 1) + body
}

func TestCompare(t *testing.T) {
	for _, flags := range [][]string{{"-g", "-O2"}, {"-g3", "-O0"}, {"-gdwarf-4", "-O1"}} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			old := unit(t, src("", ""), flags...)
			same := unit(t, src("", ""), flags...)
			if c := Compare(old, same); len(c) != 0 {
				t.Errorf("identical sources: got changes %v, want none", c)
			}
			moved := unit(t, src("int inserted;", "int more;"), flags...)
			var names []string
			for _, c := range Compare(old, moved) {
				names = append(names, c.Name)
			}
			want := []string{"anon_t", "struct outer", "struct s"}
			if !slices.Equal(names, want) {
				t.Fatalf("got changed types %q, want %q", names, want)
			}
			c := Compare(old, moved)[2]
			if d := c.Describe(); !strings.Contains(d, "size from 8 to 12 bytes") || !strings.Contains(d, "member b moved from offset 4 to 8") {
				t.Errorf("Describe: got %q, want the size and b's move", d)
			}
			fns := []string{"get_b", "caller", "other", "use_anon", "deep"}
			if got := moved.Users("struct s", fns); !slices.Equal(got, []string{"caller", "deep", "get_b"}) {
				t.Errorf("users of struct s: got %q, want caller deep get_b", got)
			}
			if got := moved.Users("anon_t", fns); !slices.Equal(got, []string{"use_anon"}) {
				t.Errorf("users of anon_t: got %q, want use_anon", got)
			}
		})
	}
}

// FuzzRead feeds mutated .debug_info to Read: errors are fine, panics are
// not, and a result always has its maps.
func FuzzRead(f *testing.F) {
	testutil.MustHaveGCC(f)
	dir := f.TempDir()
	testutil.WriteFile(f, dir, "x.c", src("", ""))
	testutil.Run(f, dir, "gcc", "-g", "-O2", "-c", "x.c", "-o", "x.o")
	ef, err := elf.Open(filepath.Join(dir, "x.o"))
	if err != nil {
		f.Fatal(err)
	}
	defer ef.Close()
	sec := func(name string) []byte {
		s := ef.Section(name)
		if s == nil {
			return nil
		}
		b, _ := s.Data()
		return b
	}
	abbrev, str := sec(".debug_abbrev"), sec(".debug_str")
	f.Add(sec(".debug_info"))
	f.Fuzz(func(t *testing.T, info []byte) {
		d, err := dwarf.New(abbrev, nil, nil, info, nil, nil, nil, str)
		if err != nil {
			return
		}
		u, err := Read(d)
		if (err == nil) != (u != nil) || u != nil && (u.Types == nil || u.Uses == nil) {
			t.Fatalf("got %v, %v: want a complete unit or an error", u, err)
		}
	})
}
