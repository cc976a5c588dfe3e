package asm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		line string
		want []string
	}{
		{"\tmovl\t$1, %eax", []string{"\tmovl\t$1, %eax"}},
		{"main:", []string{"main:"}},
		{"foo:\tnop", []string{"foo:", "\tnop"}},
		{"\tud2 ; pushq $.LC0 ; ret $1704", []string{"\tud2 ", "pushq $.LC0 ", "ret $1704"}},
		{"\tmovl\t%fs:0, %eax", []string{"\tmovl\t%fs:0, %eax"}},
		{"\t.string\t\"a;b:c\"", []string{"\t.string\t\"a;b:c\""}},
		{"\tnop # a; b", []string{"\tnop # a; b"}},
		{"x: # c", []string{"x:", " # c"}},
	}
	for _, tt := range tests {
		var got []string
		off := splitStatements(nil, []byte(tt.line), 0, len(tt.line))
		for i := 0; i < len(off); i += 2 {
			got = append(got, tt.line[off[i]:off[i+1]])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("split %q: got %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		s    string
		want Kind
	}{
		{"\t.globl\tmain", DirGlobl},
		{"\t.global\tmain", DirGlobl},
		{"main:", Label},
		{"1:", LocalLabel},
		{"# comment", Comment},
		{"\t.section\t.rodata", DirSection},
		{"\tmovl\t$1, %eax", Other},
		{"\t.p2align 4", DirAlign},
		{"\t.kpgensrc_flags KPGENSRC_ADAPTED", DirKpFlags},
	}
	for _, tt := range tests {
		if got := Classify([]byte(tt.s)); got != tt.want {
			t.Errorf("Classify(%q): got %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestHumanName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"foo", "foo"},
		{"foo.part.0", "foo"},
		{"foo.isra.3", "foo"},
		{"x.1", "x"},
		{".LC12", "."},
		{"foo2", "foo2"},
		{"__mod_author12", "__mod_author"},
		{"foo.cold", "foo.cold"},
	}
	for _, tt := range tests {
		if got := HumanName(tt.name); got != tt.want {
			t.Errorf("HumanName(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func blockSummary(f *File) []string {
	var out []string
	for _, b := range f.Blocks {
		out = append(out, b.Type.String()+":"+b.Name)
	}
	return out
}

func TestBlocks(t *testing.T) {
	src := `	.file	"t.c"
	.text
	.section	.rodata
.LC0:
	.string	"x"
	.text
	.globl	f
	.type	f, @function
f:
	ret
	.section	.text.unlikely
	.type	f.cold, @function
f.cold:
	ud2
	.text
	.size	f, .-f
	.section	.text.unlikely
	.size	f.cold, .-f.cold
.LCOLDE0:
	.text
.LHOTE0:
	.section	.init_array,"aw"
	.align 8
	.quad	f
	.weak	w
	.local	c.0
	.comm	c.0,4,4
	.set	alias,f
	.ident	"GCC"
`
	f, err := Parse("t.s", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"other:", "var:.LC0", "func:f", "attr:.weak\tw", "var:c.0", "var:alias", "other:"}
	if got := blockSummary(f); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got blocks %q, want %q", got, want)
	}
	fn := f.Blocks[2]
	if got := f.LineOf(fn.End - 1); got != 24 {
		t.Errorf("got function end at line %d, want 24 (the .init_array entry)", got)
	}
	if got := f.SectionOf(fn.End - 1).Name; got != ".init_array" {
		t.Errorf("got section %q at function end, want .init_array", got)
	}
}

func TestDuplicateBlock(t *testing.T) {
	src := "\t.type x, @function\nx:\n\tret\n\t.size x, .-x\n\t.data\nx:\n\t.long 2\n"
	_, err := Parse("d.s", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "duplicate cblock name 'x'") {
		t.Fatalf("got %v, want duplicate cblock name 'x'", err)
	}
}

func seeds(f *testing.F) {
	files, _ := filepath.Glob("../gensrc/testdata/*/*.s")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\t.popsection\n\t.previous\nx:\n"))
	f.Add([]byte("\t.type f, @function\n"))
}

func FuzzParse(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.s", data)
		if (err != nil) == (file != nil) {
			t.Fatalf("got file %v and error %v, want exactly one", file != nil, err)
		}
		if file == nil {
			return
		}
		if file.Len() != len(file.Kinds) || (file.lines != nil && file.Len() != len(file.lines)) {
			t.Fatalf("got %d statements, %d kinds, %d lines", file.Len(), len(file.Kinds), len(file.lines))
		}
		prev := 1
		for _, b := range file.Blocks {
			if b.Start < prev || b.End <= b.Start || b.End > file.Len() {
				t.Fatalf("got block %+v after %d of %d statements", *b, prev, file.Len())
			}
			prev = b.End
		}
	})
}
