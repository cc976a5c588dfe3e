package ccargs

import (
	"regexp"
	"strings"
)

// role says what an option means to libcare-cc; most options mean nothing
// and are only carried along.
type role uint8

const (
	roleNone role = iota
	roleOutput
	roleLang
	roleLib
	roleDepFile   // -MF
	roleDepTarget // -MT, -MQ
)

// separate lists the gcc options whose value may be the next argv element
// (gcc's "Separate" and "Joined Separate" options in gcc/common.opt,
// gcc/c-family/c.opt and the driver's long-option map in gcc/gcc.cc).
// Only the bare spelling takes the next element: "-Iinc" and "-o=x" are
// complete in themselves.
var separate = map[string]role{
	"-o": roleOutput, "--output": roleOutput,
	"-x": roleLang, "--language": roleLang,
	"-l":  roleLib,
	"-MF": roleDepFile, "-MT": roleDepTarget, "-MQ": roleDepTarget,
	"-I": roleNone, "-D": roleNone, "-U": roleNone, "-L": roleNone,
	"-A": roleNone, "-B": roleNone, "-T": roleNone,
	"-e": roleNone, "-u": roleNone, "-z": roleNone,
	"-include": roleNone, "-imacros": roleNone, "-isystem": roleNone,
	"-idirafter": roleNone, "-iprefix": roleNone, "-iquote": roleNone,
	"-isysroot": roleNone, "-iwithprefix": roleNone,
	"-iwithprefixbefore": roleNone, "-imultilib": roleNone,
	"-imultiarch": roleNone, "-J": roleNone,
	"-Xlinker": roleNone, "-Xassembler": roleNone, "-Xpreprocessor": roleNone,
	"-aux-info": roleNone, "--param": roleNone, "-wrapper": roleNone,
	"-dumpdir": roleNone, "-dumpbase": roleNone, "-dumpbase-ext": roleNone,
	"--include-directory": roleNone, "--include-directory-after": roleNone,
	"--define-macro": roleNone, "--undefine-macro": roleNone,
	"--library-directory": roleNone, "--include": roleNone,
	"--imacros": roleNone, "--include-prefix": roleNone,
	"--include-with-prefix": roleNone, "--include-with-prefix-before": roleNone,
	"--include-with-prefix-after": roleNone, "--include-barrier": roleNone,
	"--sysroot": roleNone, "--for-linker": roleNone,
	"--for-assembler": roleNone, "--entry": roleNone, "--force-link": roleNone,
	"--prefix": roleNone, "--specs": roleNone, "--dumpbase": roleNone,
	"--dumpdir": roleNone, "--assert": roleNone,
}

// joined lists the options whose value may be glued to the name and that
// matter to libcare-cc. Longer prefixes come first so "-MF" is not read as
// "-M" + "F".
var joined = []struct {
	prefix string
	role   role
}{
	{"--output=", roleOutput},
	{"--language=", roleLang},
	{"-MF", roleDepFile},
	{"-MT", roleDepTarget},
	{"-MQ", roleDepTarget},
	{"-o", roleOutput},
	{"-x", roleLang},
	{"-l", roleLib},
}

// actionFlag maps a flag to the stage at which it stops gcc.
var actionFlag = map[string]Action{
	"-c": ActionObject, "--compile": ActionObject,
	"-S": ActionAsm, "--assemble": ActionAsm,
	"-E": ActionPreprocess, "--preprocess": ActionPreprocess,
	"-M": ActionDepend, "-MM": ActionDepend,
	"--dependencies": ActionDepend, "--user-dependencies": ActionDepend,
	"-fsyntax-only": ActionSyntaxOnly,
	"--version":     ActionInfo, "-###": ActionInfo, "--target-help": ActionInfo,
	"-dumpversion": ActionInfo, "-dumpfullversion": ActionInfo,
	"-dumpmachine": ActionInfo, "-dumpspecs": ActionInfo,
}

// infoRE matches the options that make gcc print something and exit.
var infoRE = regexp.MustCompile(`^(--help(=.*)?|-print-.*|--print-.*)$`)

// depSideRE matches the options that write a dependency file as a side
// effect of compiling (the compile still happens).
var depSideRE = regexp.MustCompile(`^(-MD|-MMD|--write-dependencies|--write-user-dependencies)$`)

// debugRE matches gcc's debug-info options (-g, -g3, -ggdb3, -gdwarf-4,
// -gsplit-dwarf, ...). libcare-cc keeps them (design §3.8); the
// comparison filters the debug information instead.
var debugRE = regexp.MustCompile(`^-g`)

// IsDebugOption reports whether opt is a gcc debug-information option
// such as -g, -g3, -ggdb or -gdwarf-4.
func IsDebugOption(opt string) bool { return debugRE.MatchString(opt) }

// lookupJoined returns the option name and value of a joined option that
// matters to libcare-cc.
func lookupJoined(s string) (name, value string, r role, ok bool) {
	for _, j := range joined {
		if strings.HasPrefix(s, j.prefix) && len(s) > len(j.prefix) {
			name := strings.TrimSuffix(j.prefix, "=")
			return name, s[len(j.prefix):], j.role, true
		}
	}
	return "", "", roleNone, false
}

// splitLong splits "--opt=value" of a long option that takes a value.
func splitLong(s string) (name, value string, ok bool) {
	if !strings.HasPrefix(s, "--") {
		return "", "", false
	}
	name, value, ok = strings.Cut(s, "=")
	if !ok {
		return "", "", false
	}
	if _, known := separate[name]; !known {
		return "", "", false
	}
	return name, value, true
}
