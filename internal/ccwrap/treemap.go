package ccwrap

import (
	"strings"

	"github.com/golibcare/golibcare/internal/ccargs"
)

// treeMapVar is "COPY=ORIG": libcare-patch-make builds a copy of the
// user's tree at COPY, and the binaries must name the files as the user's
// own build in ORIG names them. A plain -ffile-prefix-map=COPY=ORIG is not
// enough when the command maps ORIG itself (dpkg-buildflags adds
// -ffile-prefix-map=ORIG=.): gcc applies one map per name, so the copy's
// names must go straight to what the user's maps make of ORIG.
const treeMapVar = "KPCC_TREE_MAP"

func (c *Config) loadTreeMap(get func(string) (string, bool)) {
	v, _ := get(treeMapVar)
	if copyDir, orig, ok := strings.Cut(v, "="); ok && copyDir != "" && orig != "" {
		c.TreeMap = [2]string{strings.TrimSuffix(copyDir, "/"), strings.TrimSuffix(orig, "/")}
	}
}

// treeMapArgs are the options that name the copy's files as the user's
// maps name the tree's: COPY becomes what the command's maps make of ORIG,
// and a map of a directory below ORIG maps the same directory below COPY.
// They go last, where gcc looks first (the last matching map wins).
func (c *Config) treeMapArgs(cmd *ccargs.Cmdline) []string {
	copyDir, orig := c.TreeMap[0], c.TreeMap[1]
	if copyDir == "" {
		return nil
	}
	var macro, debug [][2]string
	for _, a := range cmd.Args {
		macro, debug = collectMap(a.Text, macro, debug)
	}
	out := mapOpts(copyDir, remap(macro, orig), remap(debug, orig))
	out = append(out, below(macro, copyDir, orig, "-fmacro-prefix-map=")...)
	return append(out, below(debug, copyDir, orig, "-fdebug-prefix-map=")...)
}

// below maps each directory below orig that maps has a map for to the
// same directory below copyDir, with option opt.
func below(maps [][2]string, copyDir, orig, opt string) []string {
	var out []string
	for _, p := range maps {
		rest, ok := strings.CutPrefix(p[0], orig)
		if ok && strings.HasPrefix(rest, "/") {
			out = append(out, opt+copyDir+rest+"="+p[1])
		}
	}
	return out
}

// mapOpts maps from to m for macros and to d for debug information, in
// one option when both are the same.
func mapOpts(from, m, d string) []string {
	if m == d {
		return []string{"-ffile-prefix-map=" + from + "=" + m}
	}
	return []string{"-fmacro-prefix-map=" + from + "=" + m, "-fdebug-prefix-map=" + from + "=" + d}
}
