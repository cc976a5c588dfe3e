package patchmake

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// maxStripLevels bounds the detection: no real tree nests deeper.
const maxStripLevels = 64

// Name slots, in patch(1)'s order (pch.c enum nametype).
const (
	nameOld = iota
	nameNew
	nameIndex
)

// target is where one FilePatch applies: in is read, out is written; they
// differ for git renames and copies.
type target struct {
	in, out string
}

// stripName removes n leading components like patch -pN (util.c
// strip_leading_slashes: a run of slashes is one separator); a name with
// fewer components, or one that leaves the tree, is unusable.
func stripName(name string, n int) (string, bool) {
	if name == "" || name == devNull {
		return "", false
	}
	s := name
	for i := 0; i < n; i++ {
		j := strings.IndexByte(s, '/')
		if j < 0 {
			return "", false
		}
		s = strings.TrimLeft(s[j+1:], "/")
	}
	if s == "" || path.IsAbs(s) {
		return "", false
	}
	clean := path.Clean(s)
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", false
	}
	return clean, true
}

// namesAt returns the file's candidate names at one strip level (patch(1)'s
// p_name[OLD, NEW, INDEX]; "" is unusable). The Index: name counts only
// when both others are unusable.
func (fp *FilePatch) namesAt(level int) [3]string {
	var n [3]string
	n[nameOld], _ = stripName(fp.OldName, level)
	n[nameNew], _ = stripName(fp.NewName, level)
	if n[nameOld] == "" && n[nameNew] == "" {
		n[nameIndex], _ = stripName(fp.IndexName, level)
	}
	return n
}

// fileSet is what resolution needs to know about the tree.
type fileSet interface {
	isFile(rel string) bool
	isDir(rel string) bool
}

// resolve picks the file fp changes at a strip level as patch(1)
// (intuit_diff_type) does without prompting: the best of the names that
// exist (fewest components, then shortest base name, then shortest name,
// then the first of old, new, Index:), so "--- foo.c / +++ bar.c" patches
// foo.c; if none exists and the diff may create the file, the best of
// those needing the fewest new directories.
func (fp *FilePatch) resolve(level int, fs fileSet) (target, error) {
	names := fp.namesAt(level)
	var missing [3]bool
	for i, n := range names {
		missing[i] = n == "" || !fs.isFile(n)
	}
	i := bestName(names, missing)
	if i < 0 && fp.Creates() {
		i = bestNewName(names, fs)
	}
	if i < 0 {
		return target{}, fp.notFound(level, names)
	}
	t := target{in: names[i], out: names[i]}
	if fp.Rename || fp.Copy {
		if (i != nameOld && i != nameNew) || names[nameNew] == "" {
			return target{}, fmt.Errorf("%s: cannot rename or copy without two usable file names", displayName(fp))
		}
		t.out = names[nameNew]
	}
	return t, nil
}

func (fp *FilePatch) notFound(level int, names [3]string) error {
	var tried []string
	for i, n := range names {
		if n != "" && (i == 0 || n != names[i-1]) {
			tried = append(tried, n)
		}
	}
	if len(tried) == 0 {
		return fmt.Errorf("%s: no usable file name at -p%d", displayName(fp), level)
	}
	return fmt.Errorf("can't find file to patch: %s (tried %s at -p%d)", displayName(fp), strings.Join(tried, ", "), level)
}

// bestName is patch(1)'s best_name over the names not ignored; -1 if none.
func bestName(names [3]string, ignore [3]bool) int {
	best := -1
	for i, n := range names {
		if n == "" || ignore[i] {
			continue
		}
		if best < 0 || betterName(n, names[best]) {
			best = i
		}
	}
	return best
}

func betterName(a, b string) bool {
	if ca, cb := strings.Count(a, "/"), strings.Count(b, "/"); ca != cb {
		return ca < cb
	}
	if ba, bb := len(path.Base(a)), len(path.Base(b)); ba != bb {
		return ba < bb
	}
	return len(a) < len(b)
}

// bestNewName is the best of the names whose creation makes the fewest
// new directories.
func bestNewName(names [3]string, fs fileSet) int {
	var newDirs [3]int
	least := -1
	for i, n := range names {
		if n == "" {
			continue
		}
		newDirs[i] = strings.Count(n, "/") - existingPrefixDirs(n, fs)
		if least < 0 || newDirs[i] < least {
			least = newDirs[i]
		}
	}
	var ignore [3]bool
	for i := range names {
		ignore[i] = newDirs[i] != least
	}
	return bestName(names, ignore)
}

// existingPrefixDirs counts the leading directories of name that exist.
func existingPrefixDirs(name string, fs fileSet) int {
	parts := strings.Split(name, "/")
	n := 0
	for n < len(parts)-1 && fs.isDir(strings.Join(parts[:n+1], "/")) {
		n++
	}
	return n
}

// stripLevel is p's strip level in the tree: the one given, else -p1 when
// every file resolves with it, else the only level where they all do.
func stripLevel(p *Patch, fs fileSet) (int, error) {
	if p.Strip >= 0 {
		return p.Strip, nil
	}
	if fitsLevel(p, 1, fs) {
		return 1, nil
	}
	var fit []int
	for l := 0; l <= maxComponents(p) && l < maxStripLevels; l++ {
		if l != 1 && fitsLevel(p, l, fs) {
			fit = append(fit, l)
		}
	}
	switch len(fit) {
	case 0:
		return 0, notFoundAnyLevel(p, fs)
	case 1:
		return fit[0], nil
	}
	var cands []string
	for _, l := range fit {
		t, _ := p.Files[0].resolve(l, fs)
		cands = append(cands, fmt.Sprintf("-p%d (%s)", l, t.in))
	}
	return 0, fmt.Errorf("cannot choose the strip level: every file is found with %s; give it with -p or in the series file", strings.Join(cands, " and with "))
}

// notFoundAnyLevel names the first file that does not resolve with -p1
// and every name tried for it.
func notFoundAnyLevel(p *Patch, fs fileSet) error {
	i, err := firstUnresolved(p, 1, fs)
	if i < 0 {
		return err
	}
	fp := p.Files[i]
	var tried []string
	seen := map[string]bool{}
	for l := 0; l <= maxComponents(p) && l < maxStripLevels; l++ {
		for _, n := range fp.namesAt(l) {
			if n != "" && !seen[n] {
				seen[n] = true
				tried = append(tried, n)
			}
		}
	}
	if len(tried) == 0 {
		return fmt.Errorf("%s: no usable file name in the diff", displayName(fp))
	}
	return fmt.Errorf("can't find file to patch: %s (tried %s)", displayName(fp), strings.Join(tried, ", "))
}

// maxComponents is the most components any name of p has.
func maxComponents(p *Patch) int {
	n := 0
	for _, fp := range p.Files {
		for _, s := range []string{fp.OldName, fp.NewName, fp.IndexName} {
			n = max(n, strings.Count(s, "/"))
		}
	}
	return n
}

// fitsLevel reports whether every file of p resolves at level, each file
// seeing the files the ones before it create, delete or rename.
func fitsLevel(p *Patch, level int, fs fileSet) bool {
	_, err := firstUnresolved(p, level, fs)
	return err == nil
}

// firstUnresolved returns the index and error of the first file of p that
// does not resolve at level (-1, nil when all do).
func firstUnresolved(p *Patch, level int, fs fileSet) (int, error) {
	sim := &simFiles{fs: fs, state: map[string]bool{}}
	for i, fp := range p.Files {
		t, err := fp.resolve(level, sim)
		if err != nil {
			return i, err
		}
		sim.state[t.out] = !fp.Deletes()
		if fp.Rename && t.in != t.out {
			sim.state[t.in] = false
		}
	}
	return -1, nil
}

// simFiles is a fileSet with some files created or deleted.
type simFiles struct {
	fs    fileSet
	state map[string]bool
}

func (s *simFiles) isFile(rel string) bool {
	if e, ok := s.state[rel]; ok {
		return e
	}
	return s.fs.isFile(rel)
}

func (s *simFiles) isDir(rel string) bool {
	for f, e := range s.state {
		if e && strings.HasPrefix(f, rel+"/") {
			return true
		}
	}
	return s.fs.isDir(rel)
}
