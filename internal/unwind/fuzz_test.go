package unwind

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks Parse never panics and returns a table exactly when it
// returns no error; tables it accepts are then unwound through, with the
// input itself as stack memory, so the CFA interpreter and the expression
// evaluator see the same bytes.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.eh_frame"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint64(0x2120))
	}
	e := ehBuilder{addr: 0x100}
	c := e.cie("zPLR", []byte{0x9b, 0, 0, 0, 0, 0x1b, 0x1b}, []byte{_DW_CFA_def_cfa, 7, 8, _DW_CFA_offset | 16, 1})
	e.fde(c, 0x1b, true, 0x1000, 0x40, cat([]byte{_DW_CFA_def_cfa_expression, byte(len(pltCFA))}, pltCFA))
	f.Add(e.b, e.addr)
	f.Fuzz(func(t *testing.T, data []byte, addr uint64) {
		tab, err := Parse(data, addr)
		if (err != nil) != (tab == nil) {
			t.Fatalf("got table %v and err %v: want exactly one", tab != nil, err)
		}
		if tab == nil {
			return
		}
		mem := stackMem{base: 0x7000, data: data}
		mods := []Module{{Start: 0, End: ^uint64(0), Table: tab}}
		for i, fd := range tab.fdes {
			if i == 32 {
				break
			}
			for _, pc := range []uint64{fd.start, fd.start + (fd.end-fd.start)/2, fd.end - 1} {
				Unwind(Regs{PC: pc, SP: 0x7000, BP: 0x7010}, mods, mem, 8)
			}
		}
	})
}
