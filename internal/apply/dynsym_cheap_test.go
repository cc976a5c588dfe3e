package apply

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestCstrIs: cstrIs(tab, off, name) is cstr(tab, off) == name at every
// offset, at the end of the table and past it.
func TestCstrIs(t *testing.T) {
	tab := []byte("\x00malloc\x00free\x00mallocx\x00mall")
	names := []string{"", "malloc", "free", "mallocx", "mall", "m", "ree", "malloc\x00"}
	for off := uint32(0); off <= uint32(len(tab))+2; off++ {
		for _, n := range names {
			if got, want := cstrIs(tab, off, n), cstr(tab, off) == n; got != want {
				t.Errorf("cstrIs(%d, %q) = %v, want %v", off, n, got, want)
			}
		}
	}
}

// TestDecodeSyms: the hand decoder agrees with binary.Decode.
func TestDecodeSyms(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 24*50)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	want := make([]elf.Sym64, 50)
	if _, err := binary.Decode(b, binary.LittleEndian, want); err != nil {
		t.Fatal(err)
	}
	got := decodeSyms(b, 50)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sym %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// memBytes is target memory holding b at base.
type memBytes struct {
	base uint64
	b    []byte
}

func (m memBytes) ReadAt(p []byte, a int64) (int, error) {
	if uint64(a) < m.base || uint64(a) >= m.base+uint64(len(m.b)) {
		return 0, errShort
	}
	return copy(p, m.b[uint64(a)-m.base:]), nil
}

func (m memBytes) WriteAt(p []byte, a int64) (int, error) { return 0, errShort }

var errShort = bytes.ErrTooLarge

// TestPageReader: reads within, across and past the pages of a mapping
// return what readFull returns.
func TestPageReader(t *testing.T) {
	m := memBytes{base: 0x10000, b: make([]byte, 3*pageSize)}
	for i := range m.b {
		m.b[i] = byte(i * 7)
	}
	r := &pageReader{mem: m}
	for _, c := range []struct {
		addr uint64
		n    int
	}{{0x10000, 20}, {0x10ff0, 20}, {0x11000, 8}, {0x12ff8, 8}, {0x12ffc, 8}, {0x13000, 4}, {0xfff0, 4}} {
		got, gerr := r.read(c.addr, c.n)
		want, werr := readFull(m, c.addr, c.n)
		if (gerr == nil) != (werr == nil) || !bytes.Equal(got, want) {
			t.Errorf("read(%#x, %d) = %x, %v; readFull: %x, %v", c.addr, c.n, got, gerr, want, werr)
		}
	}
}
