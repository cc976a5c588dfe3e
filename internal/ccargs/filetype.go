package ccargs

import (
	"path/filepath"
	"strings"
)

// FileType is the type of an input file, as gcc decides it from the -x
// language in effect or else from the file name suffix.
type FileType uint8

const (
	// TypeOther is anything gcc hands on unchanged or to another front
	// end: objects, archives, shared libraries, Fortran, ...
	TypeOther FileType = iota
	// TypeC is C source (.c, and preprocessed .i).
	TypeC
	// TypeCXX is C++ source (.cc .cp .cxx .cpp .CPP .c++ .C, and .ii).
	TypeCXX
	// TypeAsm is assembly without preprocessing (.s).
	TypeAsm
	// TypeAsmCpp is assembly to preprocess (.S, .sx).
	TypeAsmCpp
	// TypeHeader is a header compiled to a precompiled header (.h, .hpp...).
	TypeHeader
	// TypeLib is a library named by -l.
	TypeLib
)

var typeNames = [...]string{"other", "c", "c++", "asm", "asm-cpp", "header", "lib"}

// String returns the type's short name.
func (t FileType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "FileType(?)"
}

// IsSource reports whether t is C or C++ source, which libcare-cc compiles
// through assembly.
func (t FileType) IsSource() bool { return t == TypeC || t == TypeCXX }

// IsAsm reports whether t is assembly, plain or to preprocess.
func (t FileType) IsAsm() bool { return t == TypeAsm || t == TypeAsmCpp }

// langTypes maps gcc -x languages (gcc/gcc.cc default_compilers).
var langTypes = map[string]FileType{
	"c": TypeC, "cpp-output": TypeC,
	"c++": TypeCXX, "c++-cpp-output": TypeCXX,
	"assembler": TypeAsm, "assembler-with-cpp": TypeAsmCpp,
	"c-header": TypeHeader, "c++-header": TypeHeader,
	"cpp-output-header": TypeHeader,
}

// suffixTypes maps file name suffixes, case-sensitive as in gcc.
var suffixTypes = map[string]FileType{
	".c": TypeC, ".i": TypeC,
	".cc": TypeCXX, ".cp": TypeCXX, ".cxx": TypeCXX, ".cpp": TypeCXX,
	".CPP": TypeCXX, ".c++": TypeCXX, ".C": TypeCXX, ".ii": TypeCXX,
	".s": TypeAsm, ".S": TypeAsmCpp, ".sx": TypeAsmCpp,
	".h": TypeHeader, ".hh": TypeHeader, ".H": TypeHeader,
	".hp": TypeHeader, ".hxx": TypeHeader, ".hpp": TypeHeader,
	".HPP": TypeHeader, ".h++": TypeHeader, ".tcc": TypeHeader,
}

// typeOf returns the type of input name read with language lang ("" to go
// by the suffix). An unknown language is TypeOther: gcc hands it to a
// front end libcare-cc does not handle.
func typeOf(name, lang string) FileType {
	if lang != "" {
		return langTypes[lang]
	}
	if name == "-" {
		return TypeOther
	}
	return suffixTypes[filepath.Ext(name)]
}

// OutputName returns the file gcc writes for input when there is no -o:
// the input's base name with its suffix replaced by ext (".o", ".s").
// Unlike kpatch_cc.c, which replaced the last character (x.cpp -> x.cpo),
// the whole suffix is replaced, as gcc does.
func OutputName(input, ext string) string {
	base := filepath.Base(input)
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base + ext
}
