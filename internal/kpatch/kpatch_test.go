package kpatch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// minimalREL returns the smallest ET_REL image Decode accepts: an ELF
// header followed by one empty section header.
func minimalREL() []byte { return relWith(nil) }

// relWith returns an ET_REL image: the ELF header, then data as the
// contents of a PROGBITS section, then the section headers (null + that
// section), so the image's extent is its length.
func relWith(data []byte) []byte {
	eh := elf.Header64{
		Type:      uint16(elf.ET_REL),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Shoff:     uint64(64 + len(data)),
		Ehsize:    64,
		Shentsize: 64,
		Shnum:     1,
	}
	copy(eh.Ident[:], elf.ELFMAG)
	eh.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	eh.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	eh.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	shdrs := []elf.Section64{{}}
	if data != nil {
		eh.Shnum = 2
		shdrs = append(shdrs, elf.Section64{Type: uint32(elf.SHT_PROGBITS), Off: 64, Size: uint64(len(data))})
	}
	b, _ := binary.Append(nil, binary.LittleEndian, eh)
	b = append(b, data...)
	b, _ = binary.Append(b, binary.LittleEndian, shdrs)
	return b
}

func TestHeaderLayout(t *testing.T) {
	if got := binary.Size(Header{}); got != HeaderSize {
		t.Fatalf("got header size %d, want %d", got, HeaderSize)
	}
	h := Header{KpatchOffset: 0x11111111, TotalSize: 0x22222222, KpatchTotalMemSz: 0x3333333333333333,
		UserUndo: 0x44444444, UserInfo: 0x55555555, UserLevel: 0x66666666, BuildTime: 0x7777777777777777}
	copy(h.ID[:], "0001")
	copy(h.BuildID[:], "ab")
	b := h.Encode()
	for _, tc := range []struct {
		name string
		off  int
		want []byte
	}{
		{"id", 8, []byte("0001")},
		{"buildid", 88, []byte("ab")},
		{"build_time", 136, bytes.Repeat([]byte{0x77}, 8)},
		{"kpatch_offset", 152, bytes.Repeat([]byte{0x11}, 4)},
		{"total_size", 160, bytes.Repeat([]byte{0x22}, 4)},
		{"kpatch_total_mem_sz", 176, bytes.Repeat([]byte{0x33}, 8)},
		{"user_undo", 184, bytes.Repeat([]byte{0x44}, 4)},
		{"user_info", 188, bytes.Repeat([]byte{0x55}, 4)},
		{"user_level", 192, bytes.Repeat([]byte{0x66}, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := b[tc.off : tc.off+len(tc.want)]; !bytes.Equal(got, tc.want) {
				t.Errorf("at %#x got % x, want % x", tc.off, got, tc.want)
			}
		})
	}
}

func TestEncodeDecode(t *testing.T) {
	img := relWith([]byte{1, 2, 3}) // odd size to exercise padding
	when := time.Unix(1700000000, 0)
	bid := "0123456789abcdef0123456789abcdef01234567"
	b, err := Encode("0001", bid, img, when)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%16 != (HeaderSize % 16) {
		t.Errorf("got file size %d, want ELF padded to 16", len(b))
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if got := f.Header.IDString(); got != "0001" {
		t.Errorf("got id %q, want 0001", got)
	}
	if got := f.Header.BuildIDString(); got != bid {
		t.Errorf("got build id %q, want %q", got, bid)
	}
	if f.Header.BuildTime != uint64(when.Unix()) || f.Header.KpatchOffset != HeaderSize || f.Header.RelOffset != HeaderSize {
		t.Errorf("got header %+v", f.Header)
	}
	if !bytes.HasPrefix(f.ELF, img) || len(f.ELF)%16 != 0 {
		t.Errorf("got ELF of %d bytes, want %d padded to 16", len(f.ELF), len(img))
	}
}

func TestEncodeRejects(t *testing.T) {
	if _, err := Encode("12345678", "", minimalREL(), time.Now()); err == nil {
		t.Error("8-char id: got nil error")
	}
	if _, err := Encode("1", string(bytes.Repeat([]byte("a"), 41)), minimalREL(), time.Now()); err == nil {
		t.Error("41-char build id: got nil error")
	}
}

// reseal recomputes csum after a test changed the file, so that the
// decoder's other checks are reached.
func reseal(b []byte) []byte {
	h, err := DecodeHeader(b)
	if err != nil || uint64(h.TotalSize) > uint64(len(b)) || h.KpatchOffset > h.TotalSize {
		return b
	}
	binary.LittleEndian.PutUint32(b[csumOff:], Checksum(b[h.KpatchOffset:h.TotalSize]))
	return b
}

const csumOff = 144

func TestDecodeErrors(t *testing.T) {
	good, err := Encode("0001", "ab", minimalREL(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return reseal(f(append([]byte(nil), good...))) }
	put32 := func(off int, v uint32) []byte {
		return mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b })
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", good[:100], ErrTruncated},
		{"magic", mutate(func(b []byte) []byte { b[0] = 'X'; return b }), ErrBadMagic},
		{"truncated elf", good[:len(good)-20], ErrTruncated},
		{"no elf magic", mutate(func(b []byte) []byte { b[HeaderSize] = 0; return b }), ErrBadELF},
		{"not rel", mutate(func(b []byte) []byte { b[HeaderSize+16] = byte(elf.ET_EXEC); return b }), ErrBadELF},
		{"shoff out of range", mutate(func(b []byte) []byte { b[HeaderSize+0x28] = 0xff; return b }), ErrTruncated},
		{"no sections", mutate(func(b []byte) []byte { b[HeaderSize+0x3c] = 0; return b }), ErrBadELF},
		{"empty id", mutate(func(b []byte) []byte { b[8] = 0; return b }), ErrBadHeader},
		{"id without NUL", mutate(func(b []byte) []byte { copy(b[8:16], "12345678"); return b }), ErrBadHeader},
		{"total_size beyond the ELF", mutate(func(b []byte) []byte {
			b = append(b, make([]byte, 64)...)
			binary.LittleEndian.PutUint32(b[160:], uint32(len(b)))
			return b
		}), ErrBadHeader},
		{"kpatch_offset past the header", put32(152, HeaderSize+16), ErrBadELF},
		{"kpatch_offset inside the header", put32(152, 100), ErrTruncated},
		{"csum mismatch", func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[csumOff:], 1)
			return b
		}(), ErrChecksum},
		{"flipped ELF byte", func() []byte {
			b := append([]byte(nil), good...)
			b[HeaderSize+70] ^= 0x10
			return b
		}(), ErrChecksum},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Decode(tc.in)
			if !errors.Is(err, tc.want) || f != nil {
				t.Errorf("got (%v, %v), want error %v", f, err, tc.want)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	// The IEEE CRC-32 check value (zlib, gzip, Ethernet).
	if got := Checksum([]byte("123456789")); got != 0xcbf43926 {
		t.Fatalf("got CRC %#08x of \"123456789\", want 0xcbf43926", got)
	}
	img := relWith([]byte("some code"))
	b, err := Encode("0001", "ab", img, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := DecodeHeader(b)
	if want := Checksum(b[HeaderSize:]); h.Csum != want || h.Csum == 0 {
		t.Fatalf("got csum %#08x, want %#08x (CRC of the padded ELF)", h.Csum, want)
	}
	// Every single-byte change in the ELF, padding included, is caught.
	for off := HeaderSize; off < len(b); off++ {
		m := append([]byte(nil), b...)
		m[off] ^= 0x01
		if _, err := Decode(m); !errors.Is(err, ErrChecksum) {
			t.Fatalf("byte %#x flipped: got %v, want %v", off, err, ErrChecksum)
		}
	}
	// csum 0 is "unchecked" (LibcarePlus files): a change in the
	// padding then goes through.
	unchecked := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(unchecked[csumOff:], 0)
	unchecked[len(unchecked)-1] = 0xff
	if _, err := Decode(unchecked); err != nil {
		t.Errorf("csum 0: got %v, want the file accepted", err)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReaderAt
	n int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// sparse reads as b followed by zeros, like a sparse file.
type sparse struct{ b []byte }

func (s sparse) ReadAt(p []byte, off int64) (int, error) {
	clear(p)
	if off < int64(len(s.b)) {
		copy(p, s.b[off:])
	}
	return len(p), nil
}

func TestLoad(t *testing.T) {
	good, err := Encode("0001", "ab", relWith([]byte{1, 2, 3}), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	load := func(b []byte, max int64) (*File, int64, error) {
		c := &countingReader{r: bytes.NewReader(b)}
		f, err := Load(c, int64(len(b)), max)
		return f, c.n, err
	}
	loadSparse := func(b []byte, size, max int64) (*File, int64, error) {
		c := &countingReader{r: sparse{b}}
		f, err := Load(c, size, max)
		return f, c.n, err
	}
	trailing := append(append([]byte(nil), good...), "trailing bytes"...)
	f, _, err := load(trailing, 1<<20)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if want, _ := Decode(good); !bytes.Equal(f.ELF, want.ELF) || f.Header != want.Header {
		t.Errorf("Load and Decode disagree")
	}
	if _, _, err := load(good, int64(len(good)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit below the file size: got %v, want %v", err, ErrTooLarge)
	}
	// A 1 GiB file (zeros after a real patch) whose header says 1 GiB:
	// refused after reading the headers only.
	huge := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(huge[160:], 1<<30)
	_, n, err := loadSparse(huge, 1<<30, 1<<31)
	if !errors.Is(err, ErrBadHeader) {
		t.Errorf("1 GiB total_size: got %v, want %v", err, ErrBadHeader)
	}
	if n > 4096 {
		t.Errorf("read %d bytes of a refused 1 GiB file, want the headers only", n)
	}
	if _, _, err := load(huge, 1<<31); !errors.Is(err, ErrTruncated) {
		t.Errorf("1 GiB total_size in a small file: got %v, want %v", err, ErrTruncated)
	}
	if _, _, err := load([]byte("#!/bin/sh\n"), 1<<20); !errors.Is(err, ErrBadMagic) {
		t.Errorf("a script: got %v, want %v", err, ErrBadMagic)
	}
	if _, _, err := load([]byte(Magic), 1<<20); !errors.Is(err, ErrTruncated) {
		t.Errorf("magic only: got %v, want %v", err, ErrTruncated)
	}
}

func TestInfos(t *testing.T) {
	recs := []Info{{Daddr: 0x1139, Saddr: 0x40, Dlen: 26, Slen: 30, Symstr: 0x10}, {Saddr: 0x80, Slen: 12}}
	var b []byte
	for _, r := range recs {
		b = append(b, r.Encode()...)
	}
	b = append(b, make([]byte, InfoTerminatorSize)...)
	got, err := DecodeInfos(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != recs[0] || got[1] != recs[1] {
		t.Fatalf("got %+v, want %+v", got, recs)
	}
	if got[0].IsNew() || !got[1].IsNew() {
		t.Errorf("got IsNew %v %v, want false true", got[0].IsNew(), got[1].IsNew())
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := Encode("0001", "ab", minimalREL(), time.Unix(0, 0))
	f.Add(good)
	f.Add(good[:HeaderSize])
	f.Add([]byte(Magic))
	code, _ := Encode("0002", strings.Repeat("cd", 20), relWith([]byte("\x55\x48\x89\xe5\xc3")), time.Unix(1, 0))
	f.Add(code)
	unchecked := append([]byte(nil), code...)
	binary.LittleEndian.PutUint32(unchecked[csumOff:], 0)
	f.Add(unchecked)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if (err != nil) != (file == nil) {
			t.Fatalf("got file %v with error %v", file != nil, err)
		}
		loaded, lerr := Load(bytes.NewReader(b), int64(len(b)), int64(len(b)))
		if (lerr != nil) != (loaded == nil) {
			t.Fatalf("Load gave %v and %v", loaded != nil, lerr)
		}
		if err == nil && (lerr != nil || loaded.Header != file.Header || !bytes.Equal(loaded.ELF, file.ELF)) {
			t.Fatalf("Decode accepted what Load gave (%v, %v)", loaded != nil, lerr)
		}
		if file == nil {
			return
		}
		if c := file.Header.Csum; c != 0 && Checksum(file.ELF) != c {
			t.Fatalf("accepted csum %#08x for an ELF with CRC %#08x", c, Checksum(file.ELF))
		}
		if uint64(len(file.ELF))%elfAlign != 0 || file.Header.IDString() == "" {
			t.Fatalf("accepted an ELF of %d bytes, id %q", len(file.ELF), file.Header.IDString())
		}
		if _, err := DecodeInfos(file.ELF); err != nil {
			t.Fatalf("infos: %v", err)
		}
	})
}

// BenchmarkDecode measures decoding a 1 MiB patch, CRC included.
func BenchmarkDecode(b *testing.B) {
	f, err := Encode("0001", strings.Repeat("ab", 20), relWith(make([]byte, 1<<20)), time.Unix(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(f)))
	for b.Loop() {
		if _, err := Decode(f); err != nil {
			b.Fatal(err)
		}
	}
}
