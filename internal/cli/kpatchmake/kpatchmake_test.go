package kpatchmake

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/kpatch"
	"github.com/golibcare/golibcare/internal/signature"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		want     Options
		wantErr  string
		wantCode int
	}{
		{name: "guide form", args: []string{"-b", "abc", "foobar.stripped", "-o", "foo.kpatch"},
			want: Options{BuildID: "abc", ID: DefaultID, Output: "foo.kpatch", Input: "foobar.stripped"}},
		{name: "with id", args: []string{"-d", "-b", "abc", "-i", "0002", "in"},
			want: Options{BuildID: "abc", ID: "0002", Input: "in", Debug: true}},
		{name: "no build id", args: []string{"in"}, wantErr: "-b", wantCode: 2},
		{name: "no input", args: []string{"-b", "x"}, wantErr: "no input", wantCode: 2},
		{name: "duplicate id", args: []string{"-b", "x", "-i", "1", "-i", "2", "in"}, wantErr: "duplicate inputted patch id", wantCode: 2},
		{name: "duplicate build id", args: []string{"-b", "x", "-b", "y", "in"}, wantErr: "duplicate inputted buildid", wantCode: 2},
		{name: "unknown option", args: []string{"-v", "-b", "x", "in"}, wantErr: "unknown shorthand", wantCode: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got *Options
			cmd := NewCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			cmd.SetOut(new(bytes.Buffer))
			cmd.SetErr(new(bytes.Buffer))
			err := cmd.Execute()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				if c := ExitCode(err); c != tc.wantCode {
					t.Errorf("got exit code %d, want %d", c, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.BuildID != tc.want.BuildID || got.ID != tc.want.ID || got.Output != tc.want.Output ||
				got.Input != tc.want.Input || got.Debug != tc.want.Debug {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestRunWritesFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, minimalREL(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.kpatch")
	var stderr bytes.Buffer
	bid := strings.Repeat("ab", 20)
	err := Run(&Options{BuildID: bid, ID: "0001", Input: in, Output: out, Stderr: &stderr,
		Now: func() time.Time { return time.Unix(42, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	h, err := kpatch.DecodeHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.IDString() != "0001" || h.BuildIDString() != bid || h.BuildTime != 42 || int(h.TotalSize) != len(b) {
		t.Errorf("got header id %q bid %q time %d total %d (file %d)", h.IDString(), h.BuildIDString(), h.BuildTime, h.TotalSize, len(b))
	}
	if want := kpatch.Checksum(b[kpatch.HeaderSize:]); h.Csum != want {
		t.Errorf("got csum %#08x, want the ELF's CRC-32 %#08x", h.Csum, want)
	}
	if _, err := kpatch.Decode(b); err != nil {
		t.Errorf("decode the written file: %v", err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm()&^0o660 != 0 {
		t.Errorf("got mode %v, want 0660 less the umask", fi.Mode().Perm())
	}
	if stderr.Len() != 0 {
		t.Errorf("unexpected stderr %q", stderr.String())
	}
}

// minimalREL is an ELF header and one null section header: the smallest
// object libcare-ctl's decoder accepts.
func minimalREL() []byte {
	eh := elf.Header64{Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64), Version: 1,
		Shoff: 64, Ehsize: 64, Shentsize: 64, Shnum: 1}
	copy(eh.Ident[:], elf.ELFMAG)
	eh.Ident[elf.EI_CLASS], eh.Ident[elf.EI_DATA], eh.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	b, _ := binary.Append(nil, binary.LittleEndian, eh)
	return append(b, make([]byte, 64)...)
}

func TestRunWarnsAboutUnloadableInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := os.WriteFile(in, []byte("\x7fELF not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	err := Run(&Options{BuildID: strings.Repeat("ab", 20), ID: "0001", Input: in, Output: filepath.Join(dir, "out"),
		Stderr: &stderr, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "libcare-ctl will refuse the result") {
		t.Errorf("got stderr %q, want a warning", stderr.String())
	}
}

// TestSign checks --sign: OUTPUT.sig verifies with the key's public half,
// and --sign without -o is a usage error.
func TestSign(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.WriteFile(in, minimalREL(), 0o644)
	key := filepath.Join(dir, "k")
	if _, err := signature.Generate(key); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.kpatch")
	var stderr bytes.Buffer
	opts := &Options{BuildID: strings.Repeat("ab", 20), ID: "0001", Input: in, Output: out, Sign: key,
		Stderr: &stderr, Now: time.Now}
	if err := Run(opts); err != nil {
		t.Fatal(err)
	}
	keys, _ := signature.LoadKeys(dir)
	if k, err := signature.VerifyFile(out, keys); err != nil || k.Name != "k" {
		t.Errorf("got %v, %v; want a signature by k", k, err)
	}
	opts.Output = ""
	if err := Run(opts); ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "--sign needs an output file") {
		t.Errorf("--sign to stdout: got %v, want a usage error", err)
	}
}
