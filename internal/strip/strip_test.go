package strip_test

import (
	"bytes"
	"debug/elf"
	"errors"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/elfwrite"
	"github.com/golibcare/golibcare/internal/strip"
)

func TestStripLayout(t *testing.T) {
	in := goodSynth(t)
	src, err := elfwrite.Read(bytes.Clone(in))
	must(t, err)
	var out bytes.Buffer
	b, err := strip.Strip(in, strip.Log{Info: &out})
	must(t, err)
	f, err := elfwrite.Read(b)
	must(t, err)
	h := f.Header
	if h.Type != uint16(elf.ET_DYN) || h.Entry != 0 || h.Phoff != 0 || len(f.Progs) != 0 || h.Shstrndx != synShstrtab {
		t.Errorf("got header %+v, want ET_DYN, entry 0, no program headers, shstrndx %d", h, synShstrtab)
	}
	// The first section keeps its offset; the others follow at their alignment.
	first := src.Sections[synText].Header.Off
	want := []struct {
		typ  elf.SectionType
		off  uint64
		size uint64
	}{
		{},
		{elf.SHT_NOBITS, first, 0x40},
		{elf.SHT_PROGBITS, first, 8},
		{elf.SHT_PROGBITS, first + 8, 2*48 + 24},
		{elf.SHT_RELA, first + 8 + 120, 3 * 24},
		{elf.SHT_SYMTAB, first + 8 + 120 + 72, 5 * 24},
		{elf.SHT_STRTAB, first + 8 + 120 + 72 + 120, src.Sections[synStrtab].Header.Size},
		{elf.SHT_STRTAB, first + 8 + 120 + 72 + 120 + src.Sections[synStrtab].Header.Size, src.Sections[synShstrtab].Header.Size},
	}
	for i := 1; i < len(want); i++ {
		s := f.Sections[i].Header
		if elf.SectionType(s.Type) != want[i].typ || s.Off != want[i].off || s.Size != want[i].size {
			t.Errorf("section %d %s: got %v off %#x size %#x, want %v off %#x size %#x",
				i, f.Sections[i].Name, elf.SectionType(s.Type), s.Off, s.Size, want[i].typ, want[i].off, want[i].size)
		}
	}
	if end := want[7].off + want[7].size; h.Shoff != (end+7)&^7 {
		t.Errorf("got e_shoff %#x, want %#x", h.Shoff, (end+7)&^7)
	}
	info := f.Sections[synKInfo].Data
	if !bytes.Equal(info[:96], src.Sections[synKInfo].Data) || !bytes.Equal(info[96:], make([]byte, 24)) {
		t.Errorf("got .kpatch.info % x, want the records and 24 zero bytes", info)
	}
	wantOut := "processing '.text'...don't need it\nprocessing '.kpatch.text'...need it\n" +
		"processing '.kpatch.info'...need it\nprocessing '.rela.kpatch.text'...need it\n" +
		"processing '.symtab'...need it\nprocessing '.strtab'...need it\nprocessing '.shstrtab'...need it\n"
	if out.String() != wantOut {
		t.Errorf("got output\n%s\nwant\n%s", &out, wantOut)
	}
}

func TestStripTooSmall(t *testing.T) {
	tests := []struct {
		name    string
		infos   []synthInfo
		wantErr string
	}{
		{"five bytes", []synthInfo{{daddr: 0x1010, dlen: 5}}, ""},
		{"new function", []synthInfo{{}, {daddr: 0x1010, dlen: 9}}, ""},
		{"four bytes", []synthInfo{{daddr: 0x1010, dlen: 4}}, "too small function to patch at 0x1010\n"},
		{"two of three", []synthInfo{{daddr: 0x1010, dlen: 1}, {daddr: 0x1020, dlen: 6}, {daddr: 0x1030, dlen: 0}},
			"too small function to patch at 0x1010\ntoo small function to patch at 0x1030\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			out, err := strip.Strip(synth(t, synthOpts{infos: tt.infos}), strip.Log{Warn: &stderr})
			if tt.wantErr == "" {
				if err != nil || out == nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if !errors.Is(err, strip.ErrTooSmall) || out != nil {
				t.Errorf("got %v, want ErrTooSmall", err)
			}
			if stderr.String() != tt.wantErr {
				t.Errorf("got stderr %q, want %q", &stderr, tt.wantErr)
			}
		})
	}
}

func TestRelFixupSynthetic(t *testing.T) {
	stripped, err := strip.Strip(goodSynth(t), strip.Log{})
	must(t, err)
	var out bytes.Buffer
	b, err := strip.RelFixup(goodSynth(t), stripped, strip.Log{Info: &out})
	must(t, err)
	f, err := elfwrite.Read(b)
	must(t, err)
	want := []elf.Rela64{
		{Off: 0x2003, Info: elf.R_INFO(symFoo, uint32(elf.R_X86_64_REX_GOTPCRELX)), Addend: -4},
		{Off: 0x2003, Info: elf.R_INFO(symPuts, uint32(elf.R_X86_64_PC32)), Addend: -4},
		{Off: 0x2003, Info: elf.R_INFO(symKText, uint32(elf.R_X86_64_PC32)), Addend: 4},
	}
	for i, w := range want {
		got, err := elfutil.Rela(f.Sections[synRela].Data, i)
		if err != nil || got != w {
			t.Errorf("rela %d: got %+v, %v; want %+v", i, got, err, w)
		}
	}
	if got := f.Sections[synKText].Data[1]; got != 0x8d {
		t.Errorf("got opcode %#x, want 0x8d (lea)", got)
	}
	wantOut := "Fixing up relocation foo+fffffffffffffffc\nchanging mov to lea at 1\nFixing up relocation puts@GLIBC_2.2.5+fffffffffffffffc\n"
	if out.String() != wantOut {
		t.Errorf("got output %q, want %q", &out, wantOut)
	}
}

func TestErrors(t *testing.T) {
	good := goodSynth(t)
	stripped, err := strip.Strip(good, strip.Log{})
	must(t, err)
	rel := synth(t, synthOpts{relType: elf.SHT_REL, infos: []synthInfo{{daddr: 0x1010, dlen: 16}}})
	tlsgd := synth(t, synthOpts{infos: []synthInfo{{daddr: 0x1010, dlen: 16}}, relas: []elf.Rela64{
		{Off: 0x2003, Info: elf.R_INFO(symTLS, uint32(elf.R_X86_64_TLSGD)), Addend: -4}}})
	badSym := synth(t, synthOpts{infos: []synthInfo{{daddr: 0x1010, dlen: 16}}, relas: []elf.Rela64{
		{Off: 0x2003, Info: elf.R_INFO(99, uint32(elf.R_X86_64_PC32))}}})
	notELF := []byte("this is not an ELF file, just some text that is long enough for a header\n")
	fixup := func(orig, patch []byte) func() ([]byte, error) {
		return func() ([]byte, error) { return strip.RelFixup(orig, bytes.Clone(patch), strip.Log{}) }
	}
	undo := func(orig, patch []byte) func() ([]byte, error) {
		return func() ([]byte, error) { return strip.UndoLink(orig, bytes.Clone(patch), strip.Log{}) }
	}
	tests := []struct {
		name string
		run  func() ([]byte, error)
		want string
	}{
		{"strip not elf", func() ([]byte, error) { return strip.Strip(notELF, strip.Log{}) }, "not an ELF file"},
		{"strip truncated", func() ([]byte, error) { return strip.Strip(good[:len(good)/2], strip.Log{}) }, "out of bounds"},
		{"strip empty", func() ([]byte, error) { return strip.Strip(nil, strip.Log{}) }, "not an ELF file"},
		{"fixup orig not elf", fixup(notELF, stripped), "original: not an ELF file"},
		{"fixup patch truncated", fixup(good, stripped[:len(stripped)-8]), "patch: section headers"},
		{"fixup SHT_REL", fixup(good, rel), "Unable to handle SHT_REL"},
		{"fixup TLSGD", fixup(good, tlsgd), "non-supported TLS model"},
		{"fixup bad symbol", fixup(good, badSym), "symbol index 99 out of range"},
		{"undo SHT_REL", undo(good, rel), "Unable to handle SHT_REL"},
		{"undo patch not elf", undo(good, notELF), "patch: not an ELF file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.run()
			if err == nil || out != nil {
				t.Fatalf("got %d bytes, %v; want error %q", len(out), err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestTLSMoved: a TLS variable of the original that sits elsewhere in the
// patched binary's TLS block cannot be fixed up.
func TestTLSMoved(t *testing.T) {
	b := fixture{dir: "tlsmoved", fn: "get", cflags: []string{"-fno-pie", "-no-pie"}}.build(t)
	stripped, err := strip.Strip([]byte(readFile(t, b.patched)), strip.Log{})
	must(t, err)
	_, err = strip.RelFixup([]byte(readFile(t, b.orig)), stripped, strip.Log{})
	if err == nil || !strings.Contains(err.Error(), "TLS symbol tls_counter has different offset") {
		t.Errorf("got %v, want \"TLS symbol tls_counter has different offset\"", err)
	}
}

func FuzzStrip(f *testing.F) {
	good := goodSynth(f)
	f.Add(good)
	if s, err := strip.Strip(good, strip.Log{}); err == nil {
		f.Add(s)
	}
	f.Add(synth(f, synthOpts{infos: []synthInfo{{daddr: 1, dlen: 1}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := strip.Strip(b, strip.Log{})
		if (err != nil) != (out == nil) {
			t.Fatalf("Strip: got %d bytes and error %v", len(out), err)
		}
		out, err = strip.RelFixup(good, bytes.Clone(b), strip.Log{})
		if (err != nil) != (out == nil) {
			t.Fatalf("RelFixup: got %d bytes and error %v", len(out), err)
		}
		strip.RelFixup(b, bytes.Clone(good), strip.Log{})
		out, err = strip.UndoLink(b, bytes.Clone(b), strip.Log{})
		if (err != nil) != (out == nil) {
			t.Fatalf("UndoLink: got %d bytes and error %v", len(out), err)
		}
	})
}
