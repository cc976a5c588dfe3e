package ccargs

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// inputsOf returns the input file names of c, "-lX" libs excluded.
func inputsOf(c *Cmdline) []string {
	var out []string
	for _, i := range c.Inputs {
		out = append(out, c.Args[i].Text)
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		argv   string
		action Action
		output string
		inputs []string
		types  []FileType
	}{
		{"compile", "-c a.c -o a.o", ActionObject, "a.o", []string{"a.c"}, []FileType{TypeC}},
		{"autotools", "-DHAVE_CONFIG_H -I. -I.. -g -O2 -MT foo.o -MD -MP -MF .deps/foo.Tpo -c -o foo.o foo.c",
			ActionObject, "foo.o", []string{"foo.c"}, []FileType{TypeC}},
		{"separate define", "-D X=1 -U Y -I inc -c x.c", ActionObject, "", []string{"x.c"}, []FileType{TypeC}},
		{"joined output", "-c -osub/x.o sub/x.c", ActionObject, "sub/x.o", []string{"sub/x.c"}, []FileType{TypeC}},
		{"last output wins", "-o a -o b -c x.c", ActionObject, "b", []string{"x.c"}, []FileType{TypeC}},
		{"stdin", "-x c - -c -o s.o", ActionObject, "s.o", []string{"-"}, []FileType{TypeC}},
		{"lang joined", "-xc++ foo.inc -c", ActionObject, "", []string{"foo.inc"}, []FileType{TypeCXX}},
		{"lang none", "-x c foo.y -x none bar.o -o p", ActionLink, "p", []string{"foo.y", "bar.o"},
			[]FileType{TypeC, TypeOther}},
		{"link", "-o prog main.c util.o -lm -L /opt/lib -Wl,-q", ActionLink, "prog",
			[]string{"main.c", "util.o"}, []FileType{TypeC, TypeOther}},
		{"link only", "-Wl,-q -o prog a.o b.o libx.a", ActionLink, "prog", []string{"a.o", "b.o", "libx.a"},
			[]FileType{TypeOther, TypeOther, TypeOther}},
		{"xlinker", "-Xlinker -rpath -Xlinker /opt -o p a.o", ActionLink, "p", []string{"a.o"}, []FileType{TypeOther}},
		{"linker script", "-T link.ld -e start -u sym -z now -o p a.o", ActionLink, "p", []string{"a.o"},
			[]FileType{TypeOther}},
		{"includes", "-include cfg.h -isystem /s -iquote q -idirafter d -imacros m.h -c x.c", ActionObject, "",
			[]string{"x.c"}, []FileType{TypeC}},
		{"param", "--param max-inline-insns-single=10 --param=x=1 -c x.c", ActionObject, "",
			[]string{"x.c"}, []FileType{TypeC}},
		{"dump", "-dumpdir d/ -dumpbase x -aux-info f.aux -c x.c", ActionObject, "", []string{"x.c"},
			[]FileType{TypeC}},
		{"two sources", "-c a.c b.c", ActionObject, "", []string{"a.c", "b.c"}, []FileType{TypeC, TypeC}},
		{"asm", "-S x.c -o x.s", ActionAsm, "x.s", []string{"x.c"}, []FileType{TypeC}},
		{"asm wins over c", "-c -S x.c", ActionAsm, "", []string{"x.c"}, []FileType{TypeC}},
		{"preprocess", "-E x.c", ActionPreprocess, "", []string{"x.c"}, []FileType{TypeC}},
		{"preprocess wins", "-c -E x.c", ActionPreprocess, "", []string{"x.c"}, []FileType{TypeC}},
		{"deps only", "-M x.c", ActionDepend, "", []string{"x.c"}, []FileType{TypeC}},
		{"user deps only", "-MM -MF x.d x.c", ActionDepend, "", []string{"x.c"}, []FileType{TypeC}},
		{"syntax", "-fsyntax-only x.c", ActionSyntaxOnly, "", []string{"x.c"}, []FileType{TypeC}},
		{"version", "--version", ActionInfo, "", nil, nil},
		{"lone v", "-v", ActionInfo, "", nil, nil},
		{"verbose compile", "-v -c x.c", ActionObject, "", []string{"x.c"}, []FileType{TypeC}},
		{"print prog", "-print-prog-name=ld", ActionInfo, "", nil, nil},
		{"dumpmachine", "-dumpmachine", ActionInfo, "", nil, nil},
		{"help", "--help=optimizers", ActionInfo, "", nil, nil},
		{"dry run", "-### -c x.c", ActionInfo, "", []string{"x.c"}, []FileType{TypeC}},
		{"none", "-O2 -Wall", ActionNone, "", nil, nil},
		{"cxx suffixes", "-c a.cpp b.cc c.cxx d.C e.c++", ActionObject, "",
			[]string{"a.cpp", "b.cc", "c.cxx", "d.C", "e.c++"},
			[]FileType{TypeCXX, TypeCXX, TypeCXX, TypeCXX, TypeCXX}},
		{"asm files", "-c a.s b.S c.sx", ActionObject, "", []string{"a.s", "b.S", "c.sx"},
			[]FileType{TypeAsm, TypeAsmCpp, TypeAsmCpp}},
		{"lang asm", "-x assembler-with-cpp -c x.asm", ActionObject, "", []string{"x.asm"},
			[]FileType{TypeAsmCpp}},
		{"long options", "--output=p --language=c x -o q", ActionLink, "q", []string{"x"}, []FileType{TypeC}},
		{"long separate", "--sysroot /sr --include-directory inc --compile x.c", ActionObject, "",
			[]string{"x.c"}, []FileType{TypeC}},
		{"dev null", "-x c -c /dev/null -o /dev/null", ActionObject, "/dev/null", []string{"/dev/null"},
			[]FileType{TypeC}},
		{"header", "-c x.h", ActionObject, "", []string{"x.h"}, []FileType{TypeHeader}},
		{"wrapper", "-wrapper gdb,--args -c x.c", ActionObject, "", []string{"x.c"}, []FileType{TypeC}},
		{"specs", "-specs=my.specs -B /b -c x.c", ActionObject, "", []string{"x.c"}, []FileType{TypeC}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.Fields(tt.argv))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.argv, err)
			}
			if c.Action != tt.action {
				t.Errorf("action: got %v, want %v", c.Action, tt.action)
			}
			if c.Output != tt.output {
				t.Errorf("output: got %q, want %q", c.Output, tt.output)
			}
			if got := inputsOf(c); !slices.Equal(got, tt.inputs) {
				t.Errorf("inputs: got %q, want %q", got, tt.inputs)
			}
			var types []FileType
			for _, i := range c.Inputs {
				types = append(types, c.Args[i].Type)
			}
			if !slices.Equal(types, tt.types) {
				t.Errorf("types: got %v, want %v", types, tt.types)
			}
			if got := c.Argv(); !slices.Equal(got, strings.Fields(tt.argv)) {
				t.Errorf("Argv: got %q, want %q", got, tt.argv)
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	c, err := Parse([]string{"-MD", "-MF", "dep.d", "-lm", "-l", "z", "-DX", "-c", "a.c", "-o", "a.o"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind Kind
		name string
		typ  FileType
	}{
		{Option, "-MD", TypeOther}, {OptionWithValue, "-MF", TypeOther}, {Value, "-MF", TypeOther},
		{Option, "-l", TypeLib}, {OptionWithValue, "-l", TypeLib}, {Value, "-l", TypeOther},
		{Option, "-DX", TypeOther}, {Option, "-c", TypeOther}, {Input, "", TypeC},
		{OptionWithValue, "-o", TypeOther}, {Value, "-o", TypeOther},
	}
	if len(c.Args) != len(want) {
		t.Fatalf("got %d args, want %d", len(c.Args), len(want))
	}
	for i, w := range want {
		a := c.Args[i]
		if a.Kind != w.kind || a.Name != w.name || a.Type != w.typ {
			t.Errorf("arg %d %q: got kind %d name %q type %v, want %d %q %v",
				i, a.Text, a.Kind, a.Name, a.Type, w.kind, w.name, w.typ)
		}
	}
	if !c.DepFile || !c.DepFileName || c.DepTarget {
		t.Errorf("deps: got MD=%v MF=%v MT=%v, want true true false", c.DepFile, c.DepFileName, c.DepTarget)
	}
}

func TestParseMissingValue(t *testing.T) {
	for _, argv := range [][]string{{"-c", "x.c", "-o"}, {"-I"}, {"-Xlinker"}, {"--param"}} {
		c, err := Parse(argv)
		if !errors.Is(err, ErrMissingValue) || c != nil {
			t.Errorf("Parse(%q): got %v, %v, want nil, ErrMissingValue", argv, c, err)
		}
	}
}

func TestOutputName(t *testing.T) {
	tests := []struct{ in, ext, want string }{
		{"x.cpp", ".o", "x.o"},
		{"sub/a.c", ".o", "a.o"},
		{"a.b.c", ".s", "a.b.s"},
		{"noext", ".o", "noext.o"},
		{".hidden", ".o", ".hidden.o"},
	}
	for _, tt := range tests {
		if got := OutputName(tt.in, tt.ext); got != tt.want {
			t.Errorf("OutputName(%q, %q): got %q, want %q", tt.in, tt.ext, got, tt.want)
		}
	}
}

func TestIsDebugOption(t *testing.T) {
	for _, s := range []string{"-g", "-g3", "-ggdb", "-ggdb3", "-gdwarf-4", "-gsplit-dwarf"} {
		if !IsDebugOption(s) {
			t.Errorf("IsDebugOption(%q): got false, want true", s)
		}
	}
	for _, s := range []string{"-O2", "-fgnu89-inline", "-Wl,-g", "g"} {
		if IsDebugOption(s) {
			t.Errorf("IsDebugOption(%q): got true, want false", s)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"-c a.c -o a.o", "-D X=1 -I inc -c x.c", "-x c - -c", "-MD -MF d.d -c x.c",
		"-Wl,-q -o p a.o", "-E x.c", "-M x.c", "--version", "-print-prog-name=ld", "-o",
	} {
		f.Add(strings.ReplaceAll(s, " ", "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv := strings.Split(s, "\x00")
		c, err := Parse(argv)
		if (err != nil) == (c != nil) {
			t.Fatalf("Parse(%q): got %v and %v, want exactly one nil", argv, c, err)
		}
		if c == nil {
			return
		}
		if got := c.Argv(); !slices.Equal(got, argv) {
			t.Fatalf("Argv: got %q, want %q", got, argv)
		}
		for _, i := range c.Inputs {
			if c.Args[i].Kind != Input {
				t.Fatalf("input %d is kind %d", i, c.Args[i].Kind)
			}
		}
	})
}

func TestLTO(t *testing.T) {
	tests := []struct {
		argv string
		want bool
	}{
		{"-O2 -flto -c a.c", true},
		{"-flto=auto -c a.c", true},
		{"-flto=jobserver -o p a.o", true},
		{"-flto -fno-lto -c a.c", false},
		{"-fno-lto -flto=4 -c a.c", true},
		{"-flto-partition=none -c a.c", false},
		{"-ffat-lto-objects -c a.c", false},
		{"-c a.c", false},
	}
	for _, tt := range tests {
		c, err := Parse(strings.Fields(tt.argv))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.LTO(); got != tt.want {
			t.Errorf("LTO(%q): got %v, want %v", tt.argv, got, tt.want)
		}
	}
}

// TestResponseFile: @file is read by gcc, not an input.
func TestResponseFile(t *testing.T) {
	c, err := Parse([]string{"@opts", "-c", "a.c", "-o", "a.o"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Inputs) != 1 || c.Args[c.Inputs[0]].Text != "a.c" || c.Args[0].Kind != Option {
		t.Errorf("got inputs %v, args %+v, want only a.c and @opts an option", c.Inputs, c.Args)
	}
}
