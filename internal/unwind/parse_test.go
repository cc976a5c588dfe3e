package unwind

import (
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

const libcPath = "/lib/x86_64-linux-gnu/libc.so.6"

// readelfFDEs returns the non-empty FDE ranges `readelf --debug-dump=frames`
// prints for path, sorted.
func readelfFDEs(t *testing.T, path string) [][2]uint64 {
	t.Helper()
	out := testutil.Run(t, "", "readelf", "-wN", "--debug-dump=frames", path) // -wN: not a separate debug file
	re := regexp.MustCompile(`(?m)^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)$`)
	var got [][2]uint64
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		lo, _ := strconv.ParseUint(m[1], 16, 64)
		hi, _ := strconv.ParseUint(m[2], 16, 64)
		if hi > lo {
			got = append(got, [2]uint64{lo, hi})
		}
	}
	slices.SortStableFunc(got, func(a, b [2]uint64) int { return cmp.Compare(a[0], b[0]) })
	return got
}

// objectsUnderTest builds the chain fixture in every variant plus a shared
// library, and adds the system libc.
func objectsUnderTest(t *testing.T) []string {
	paths := []string{libcPath}
	for _, v := range variants {
		paths = append(paths, buildFixture(t, "chain.c", v))
	}
	so := filepath.Join(t.TempDir(), "libchain.so")
	testutil.Run(t, "", "gcc", "-O2", "-fPIC", "-shared", "-o", so,
		filepath.Join(testutil.RepoRoot(t), "fixtures", "unwind", "chain.c"))
	return append(paths, so)
}

func TestParseMatchesReadelf(t *testing.T) {
	testutil.MustHaveGCC(t)
	for _, path := range objectsUnderTest(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tab, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := readelfFDEs(t, path)
			got := tab.Ranges()
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Fatalf("got %d FDEs, want %d from readelf (first got %#x, want %#x)",
					len(got), len(want), first(got), first(want))
			}
		})
	}
}

func first(r [][2]uint64) any {
	if len(r) == 0 {
		return nil
	}
	return r[0]
}

// TestFuncSymbolsCovered checks every sized FUNC symbol of the fixture
// binaries (except PLT stubs' neighbours without CFI) has an FDE covering
// its whole body.
func TestFuncSymbolsCovered(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			path := buildFixture(t, "chain.c", v)
			tab, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := elf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			syms, err := f.Symbols()
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, s := range syms {
				if elf.ST_TYPE(s.Info) != elf.STT_FUNC || s.Size == 0 || s.Value == 0 {
					continue
				}
				n++
				lo, hi, ok := tab.Lookup(s.Value)
				if !ok || lo > s.Value || hi < s.Value+s.Size {
					t.Errorf("%s [%#x,%#x): got FDE [%#x,%#x) ok=%v, want one covering it",
						s.Name, s.Value, s.Value+s.Size, lo, hi, ok)
				}
			}
			if n < 6 {
				t.Fatalf("got %d sized functions, want at least 6", n)
			}
		})
	}
}

func TestLoadFileWithoutEhFrame(t *testing.T) {
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "f.c", "int f(int x) { return x + 1; }\n")
	testutil.Run(t, dir, "gcc", "-c", "-O2", "-fno-asynchronous-unwind-tables", "-o", "f.o", "f.c")
	tab, err := LoadFile(filepath.Join(dir, "f.o"))
	if err != nil || tab == nil || tab.Len() != 0 {
		t.Fatalf("got table %v (len %d), err %v; want an empty table", tab, tab.Len(), err)
	}
	if _, err := LoadFile(filepath.Join(dir, "f.c")); err == nil {
		t.Fatalf("LoadFile of a C source: got nil error, want one")
	}
}

// TestPointerEncodings parses FDEs whose pointers use each encoding.
func TestPointerEncodings(t *testing.T) {
	encs := []struct {
		name string
		enc  byte
	}{
		{"absptr", _DW_EH_PE_absptr},
		{"udata2", _DW_EH_PE_udata2},
		{"udata4", _DW_EH_PE_udata4},
		{"udata8", _DW_EH_PE_udata8},
		{"uleb128", _DW_EH_PE_uleb128},
		{"sleb128", _DW_EH_PE_sleb128},
		{"sdata4", _DW_EH_PE_sdata4},
		{"sdata8", _DW_EH_PE_sdata8},
		{"pcrel|sdata4", _DW_EH_PE_pcrel | _DW_EH_PE_sdata4},
		{"pcrel|sdata8", _DW_EH_PE_pcrel | _DW_EH_PE_sdata8},
		{"pcrel|udata4", _DW_EH_PE_pcrel | _DW_EH_PE_udata4},
		{"datarel|sdata4", _DW_EH_PE_datarel | _DW_EH_PE_sdata4},
	}
	for _, tc := range encs {
		t.Run(tc.name, func(t *testing.T) {
			e := ehBuilder{addr: 0x100}
			// "zPLR": personality (indirect pcrel sdata4), LSDA encoding, FDE encoding.
			c := e.cie("zPLR", cat([]byte{0x9b}, encodePtr(0x0b, 0x1234, 0), []byte{0x1b, tc.enc}),
				[]byte{_DW_CFA_def_cfa, 7, 8, _DW_CFA_offset | 16, 1})
			e.fde(c, tc.enc, true, 0x1000, 0x40, nil)
			e.fde(c, tc.enc, true, 0x1100, 0x10, nil)
			tab, err := Parse(e.b, e.addr)
			if err != nil {
				t.Fatal(err)
			}
			want := [][2]uint64{{0x1000, 0x1040}, {0x1100, 0x1110}}
			if got := tab.Ranges(); !slices.Equal(got, want) {
				t.Fatalf("got %#x, want %#x", got, want)
			}
			if _, _, ok := tab.Lookup(0x1040); ok {
				t.Fatalf("Lookup(0x1040): got an FDE, want none (end is exclusive)")
			}
		})
	}
}

// TestParseForms covers the 64-bit length form, CIE versions 3 and 4, the
// zero terminator, and FDEs in descending order.
func TestParseForms(t *testing.T) {
	e := ehBuilder{addr: 0x500}
	c := e.cie("zR", []byte{_DW_EH_PE_udata4}, []byte{_DW_CFA_def_cfa, 7, 8})
	e.fde(c, _DW_EH_PE_udata4, true, 0x3000, 0x10, nil)
	e.fde(c, _DW_EH_PE_udata4, true, 0x1000, 0x10, nil)
	// A version-3 CIE with a uleb RA register, then a 64-bit-length CIE v4.
	v3 := len(e.b)
	e.entry(0, cat([]byte{3, 0}, uleb(1), sleb(-8), uleb(16), []byte{_DW_CFA_def_cfa, 7, 8}))
	e.fde(v3, _DW_EH_PE_absptr, false, 0x2000, 0x8, nil)
	v4 := len(e.b)
	body := cat([]byte{0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 8, 0}, uleb(1), sleb(-8), uleb(16))
	e.b = cat(e.b, []byte{0xff, 0xff, 0xff, 0xff}, encodePtr(_DW_EH_PE_udata8, uint64(len(body)), 0), body)
	idOff := len(e.b) + 12
	fdeBody := cat(encodePtr(_DW_EH_PE_udata8, uint64(idOff-v4), 0), encodePtr(0, 0x4000, 0), encodePtr(0, 4, 0))
	e.b = cat(e.b, []byte{0xff, 0xff, 0xff, 0xff}, encodePtr(_DW_EH_PE_udata8, uint64(len(fdeBody)), 0), fdeBody)
	e.b = cat(e.b, make([]byte, 4), []byte{0xde, 0xad}) // terminator, then junk
	tab, err := Parse(e.b, e.addr)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]uint64{{0x1000, 0x1010}, {0x2000, 0x2008}, {0x3000, 0x3010}, {0x4000, 0x4004}}
	if got := tab.Ranges(); !slices.Equal(got, want) {
		t.Fatalf("got %#x, want %#x", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	good := func() *ehBuilder {
		e := &ehBuilder{addr: 0x1000}
		c := e.cie("zR", []byte{0x1b}, []byte{_DW_CFA_def_cfa, 7, 8})
		e.fde(c, 0x1b, true, 0x400, 0x10, nil)
		return e
	}
	tests := []struct {
		name string
		edit func(b []byte) []byte
		want error
	}{
		{"truncated length", func(b []byte) []byte { return append(b, 1, 2, 3, 4, 5) }, ErrMalformed},
		{"length past end", func(b []byte) []byte { b[0] = 0xf0; return b }, ErrMalformed},
		{"bad version", func(b []byte) []byte { b[8] = 2; return b }, ErrMalformed},
		{"unknown augmentation", func(b []byte) []byte { b[9] = 'x'; return b }, ErrMalformed},
		{"cie pointer before section", func(b []byte) []byte { b[24+4+3] = 0x7f; return b }, ErrMalformed},
		{"unknown pointer format", func(b []byte) []byte { b[16] = 0x1f; return b }, ErrMalformed},
		{"textrel pointer", func(b []byte) []byte { b[16] = 0x2b; return b }, ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.edit(good().b)
			tab, err := Parse(b, 0x1000)
			if tab != nil || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "offset 0x") {
				t.Fatalf("got table %v, err %v; want nil and an error with an offset wrapping %v", tab, err, tc.want)
			}
		})
	}
}

func ExampleTable_Lookup() {
	e := ehBuilder{addr: 0x2000}
	c := e.cie("zR", []byte{0x1b}, []byte{_DW_CFA_def_cfa, 7, 8, _DW_CFA_offset | 16, 1})
	e.fde(c, 0x1b, true, 0x1000, 0x40, nil)
	tab, _ := Parse(e.b, e.addr)
	lo, hi, ok := tab.Lookup(0x1020)
	fmt.Printf("%#x %#x %v\n", lo, hi, ok)
	// Output: 0x1000 0x1040 true
}
