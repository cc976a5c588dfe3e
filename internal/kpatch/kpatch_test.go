package kpatch

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"testing"
	"time"
)

// minimalREL returns the smallest ET_REL image Decode accepts: an ELF
// header followed by one empty section header.
func minimalREL() []byte {
	eh := elf.Header64{
		Type:      uint16(elf.ET_REL),
		Machine:   uint16(elf.EM_X86_64),
		Version:   uint32(elf.EV_CURRENT),
		Shoff:     64,
		Ehsize:    64,
		Shentsize: 64,
		Shnum:     1,
	}
	copy(eh.Ident[:], elf.ELFMAG)
	eh.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	eh.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	eh.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	b, _ := binary.Append(nil, binary.LittleEndian, eh)
	return append(b, make([]byte, 64)...)
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
	img := append(minimalREL(), 1, 2, 3) // odd size to exercise padding
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

func TestDecodeErrors(t *testing.T) {
	good, err := Encode("0001", "ab", minimalREL(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Decode(tc.in)
			if !errors.Is(err, tc.want) || f != nil {
				t.Errorf("got (%v, %v), want error %v", f, err, tc.want)
			}
		})
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
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Decode(b)
		if (err != nil) != (file == nil) {
			t.Fatalf("got file %v with error %v", file != nil, err)
		}
		if file != nil {
			if _, err := DecodeInfos(file.ELF); err != nil {
				t.Fatalf("infos: %v", err)
			}
		}
	})
}
