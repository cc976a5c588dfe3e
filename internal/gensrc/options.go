package gensrc

import (
	"io"
	"strings"
)

// DefaultFilterFile is the function filter LibcarePlus reads unless
// --test-mode is given (facts §2.5).
const DefaultFilterFile = "/etc/libcare.conf"

// Sym is one FLIST entry: a function name, optionally restricted to
// patched inputs whose base name starts with File.
type Sym struct {
	File string
	Name string
}

// ParseFList parses a comma separated list of [file:]func entries.
func ParseFList(s string) []Sym {
	var out []Sym
	for _, tok := range strings.Split(s, ",") {
		if tok == "" {
			continue
		}
		if file, name, ok := strings.Cut(tok, ":"); ok {
			out = append(out, Sym{File: file, Name: name})
		} else {
			out = append(out, Sym{Name: tok})
		}
	}
	return out
}

// Options control Generate; the zero value is upstream's default run
// (x86_64, rhel6, no lists, no filter file).
type Options struct {
	// Arch32 emits i686 kpatch_info records (.long + padding for .quad).
	Arch32 bool
	// RHEL5 selects the RHEL5 BUG() heuristics instead of RHEL6's.
	RHEL5 bool

	IgnoreChanges []Sym // --ignore-changes
	UnlinkSymbols []Sym // --unlink-symbols
	MustAdapt     []Sym // --must-adapt

	ForceGOTPCREL bool // --force-gotpcrel
	ForceGlobal   bool // --force-global

	// WarnOffsets warns on Log about changed functions that differ only in
	// memory displacements: the trace of a struct layout change when there
	// is no debug information to check it with.
	WarnOffsets bool

	// Filter holds the contents of /etc/libcare.conf (nil when absent or in
	// test mode). When its first byte is not '\n' or ' ', only functions
	// whose human name starts some line of it are patched.
	Filter []byte

	// Log receives debug lines when LogLevel >= 3 and error lines (level 0)
	// such as "FATAL! not adapted function change"; nil discards them.
	Log      io.Writer
	LogLevel int
}

// filterConfigured reports whether the filter file is in force.
func (o *Options) filterConfigured() bool {
	return len(o.Filter) > 0 && o.Filter[0] != '\n' && o.Filter[0] != ' '
}

// inFilter reports whether some line of the filter file starts with name
// (kpatch_gensrc.c is_func_in_patch_func_file).
func (o *Options) inFilter(name string) bool {
	if name == "" || len(name) > 1024 {
		return false
	}
	for _, line := range strings.Split(string(o.Filter), "\n") {
		if strings.HasPrefix(line, name) {
			return true
		}
	}
	return false
}

// listed reports whether a block's human name is in list for the patched
// file base name (kpatch_gensrc.c in_syms_list without the filter file).
func listed(list []Sym, base, human string) bool {
	for _, s := range list {
		if s.File != "" && !strings.HasPrefix(base, s.File) {
			continue
		}
		if s.Name == human {
			return true
		}
	}
	return false
}
