package elfutil_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/testutil"
)

func TestSlice(t *testing.T) {
	b := make([]byte, 16)
	tests := []struct {
		name      string
		off, size uint64
		ok        bool
	}{
		{"all", 0, 16, true},
		{"empty at end", 16, 0, true},
		{"past end", 8, 9, false},
		{"offset past end", 17, 0, false},
		{"overflow", 8, ^uint64(0) - 4, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := elfutil.Slice(b, tt.off, tt.size)
			if (err == nil) != tt.ok {
				t.Fatalf("got error %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, elfutil.ErrOutOfBounds) {
				t.Errorf("got %v, want ErrOutOfBounds", err)
			}
			if err == nil && uint64(len(got)) != tt.size {
				t.Errorf("got %d bytes, want %d", len(got), tt.size)
			}
		})
	}
}

func TestCString(t *testing.T) {
	tab := []byte("\x00.text\x00.data")
	tests := []struct {
		off  uint64
		want string
		ok   bool
	}{{0, "", true}, {1, ".text", true}, {3, "ext", true}, {7, "", false}, {99, "", false}}
	for _, tt := range tests {
		got, err := elfutil.CString(tab, tt.off)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("CString(%d): got %q, %v; want %q ok=%v", tt.off, got, err, tt.want, tt.ok)
		}
	}
}

func TestSymRelaRoundTrip(t *testing.T) {
	sym := elf.Sym64{Name: 7, Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_TLS), Other: 2, Shndx: 0xfff1, Value: 0x1122334455, Size: 9}
	rela := elf.Rela64{Off: 0x4010, Info: elf.R_INFO(5, uint32(elf.R_X86_64_GOTTPOFF)), Addend: -4}
	tab := make([]byte, 2*elfutil.Sym64Size)
	if err := elfutil.PutSym(tab, 1, sym); err != nil {
		t.Fatal(err)
	}
	var want elf.Sym64
	if _, err := binary.Decode(tab[elfutil.Sym64Size:], binary.LittleEndian, &want); err != nil {
		t.Fatal(err)
	}
	if got, err := elfutil.Sym(tab, 1); err != nil || got != sym || want != sym {
		t.Errorf("got %+v (binary.Decode %+v), %v; want %+v", got, want, err, sym)
	}
	if _, err := elfutil.Sym(tab, 2); err == nil {
		t.Errorf("got no error reading past the table")
	}
	if err := elfutil.PutRela(tab, 0, rela); err != nil {
		t.Fatal(err)
	}
	got, err := elfutil.Rela(tab, 0)
	if err != nil || got != rela {
		t.Errorf("got %+v, %v; want %+v", got, err, rela)
	}
	if elfutil.RelaSym(got) != 5 || elfutil.RelaType(got) != elf.R_X86_64_GOTTPOFF {
		t.Errorf("got sym %d type %v, want 5 R_X86_64_GOTTPOFF", elfutil.RelaSym(got), elfutil.RelaType(got))
	}
	if r := elfutil.SetRela(got, 0, elf.R_X86_64_NONE); r.Info != 0 || r.Off != rela.Off || r.Addend != rela.Addend {
		t.Errorf("SetRela: got %+v, want info 0 and the rest kept", r)
	}
}

func note(name string, typ uint32, desc []byte, align int) []byte {
	pad := func(b []byte) []byte {
		for len(b)%align != 0 {
			b = append(b, 0)
		}
		return b
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(name)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
	b = binary.LittleEndian.AppendUint32(b, typ)
	b = append(b, pad([]byte(name))...)
	return append(b, pad(desc)...)
}

func TestNoteBuildID(t *testing.T) {
	id := bytes.Repeat([]byte{0xab, 0x01}, 10)
	prop := note("GNU\x00", 5, make([]byte, 16), 8)
	tests := []struct {
		name  string
		notes []byte
		align uint64
		want  string
	}{
		{"only", note("GNU\x00", 3, id, 4), 4, "ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"},
		{"after abi tag", append(note("GNU\x00", 1, make([]byte, 16), 4), note("GNU\x00", 3, id[:8], 4)...), 4, "ab01ab01ab01ab01"},
		{"align 8", append(prop, note("GNU\x00", 3, id, 8)...), 8, "ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"},
		{"other owner", note("Go\x00\x00", 3, id, 4), 4, ""},
		{"truncated", note("GNU\x00", 3, id, 4)[:20], 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := elfutil.NoteBuildID(tt.notes, tt.align)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

var readelfID = regexp.MustCompile(`Build ID: ([0-9a-f]+)`)

func TestBuildIDOfGCCBinary(t *testing.T) {
	testutil.MustHaveGCC(t)
	dir := t.TempDir()
	src := testutil.WriteFile(t, dir, "m.c", "int main(void) { return 0; }\n")
	tests := []struct {
		name  string
		flags []string
	}{
		{"pie", nil},
		{"sha1", []string{"-Wl,--build-id=sha1", "-no-pie"}},
		{"shared", []string{"-shared", "-fPIC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name)
			testutil.Run(t, dir, "gcc", append(tt.flags, "-o", out, src)...)
			got, err := elfutil.BuildID(out)
			if err != nil {
				t.Fatal(err)
			}
			m := readelfID.FindStringSubmatch(testutil.Run(t, dir, "readelf", "-n", out))
			if m == nil {
				t.Fatalf("readelf -n %s shows no Build ID", out)
			}
			if got != m[1] || len(got) != 40 {
				t.Errorf("got %q, want %q (readelf -n)", got, m[1])
			}
		})
	}
	t.Run("none", func(t *testing.T) {
		out := filepath.Join(dir, "noid")
		testutil.Run(t, dir, "gcc", "-Wl,--build-id=none", "-o", out, src)
		if _, err := elfutil.BuildID(out); !errors.Is(err, elfutil.ErrNoBuildID) {
			t.Errorf("got %v, want ErrNoBuildID", err)
		}
	})
	t.Run("segment only", func(t *testing.T) {
		// sstrip-like: no section headers, the note is found through PT_NOTE.
		b, err := os.ReadFile(filepath.Join(dir, "pie"))
		if err != nil {
			t.Fatal(err)
		}
		binary.LittleEndian.PutUint64(b[0x28:], 0) // e_shoff
		binary.LittleEndian.PutUint16(b[0x3c:], 0) // e_shnum
		binary.LittleEndian.PutUint16(b[0x3e:], 0) // e_shstrndx
		p := testutil.WriteFile(t, dir, "noshdr", string(b))
		want, _ := elfutil.BuildID(filepath.Join(dir, "pie"))
		if got, err := elfutil.BuildID(p); err != nil || got != want {
			t.Errorf("got %q, %v; want %q", got, err, want)
		}
	})
}

func TestSafeOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, content string }{
		{"text", "not an elf\n"},
		{"magic only", "\x7fELF\x02\x01\x01"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testutil.WriteFile(t, dir, tt.name, tt.content)
			if f, err := elfutil.SafeOpen(p); err == nil || f != nil {
				t.Errorf("got %v, %v; want an error", f, err)
			}
			if _, err := elfutil.BuildID(p); err == nil {
				t.Errorf("BuildID: got no error")
			}
		})
	}
	if _, err := elfutil.SafeOpen(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v, want ErrNotExist", err)
	}
}

func FuzzOpen(f *testing.F) {
	if p, err := exec.LookPath("true"); err == nil {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
	f.Add(note("GNU\x00", 3, []byte{1, 2, 3, 4}, 4))
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ef, err := elfutil.SafeNewFile(bytes.NewReader(b))
		if (err != nil) != (ef == nil) {
			t.Fatalf("got file %v and error %v", ef != nil, err)
		}
		if ef == nil {
			return
		}
		elfutil.FileBuildID(ef)
		for _, s := range ef.Sections {
			elfutil.SafeSectionData(s)
		}
		elfutil.NoteBuildID(b, 4)
	})
}
