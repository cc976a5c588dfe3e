package ccwrap

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golibcare/golibcare/internal/ccargs"
)

// Speculative compiles. libcare-patch-make knows, before the original
// build starts, the patched version of every file its patches touch. While
// the original stage compiles such a source, libcare-cc compiles the
// patched version beside it (on another core), exactly as the patched
// stage would, and records everything that compile read. The patched stage
// then checks that its own compile would be the same command reading the
// same bytes and takes the assembly instead of running the compiler again.
// The record makes a wrong reuse impossible; a speculation that cannot be
// checked (or fails) only costs the time it took.
const (
	// specVar names a directory that mirrors absolute source paths:
	// $KPCC_SPECULATE/<realpath of src> is the patched version of src.
	specVar = "KPCC_SPECULATE"
	// specAppendVar is the patched stage's KPCC_APPEND_ARGS.
	specAppendVar = "KPCC_SPECULATE_APPEND_ARGS"
	specExt       = ".spec"
)

// Speculation is one speculative compile of a plan.
type Speculation struct {
	// Argv compiles the patched source to Out.
	Argv []string
	Out  string
	// Key is the command the patched stage will run, which the record
	// must match.
	Key []string
	// deps is the dependency file Argv writes; specRoot the mirror.
	deps, specRoot string
}

// specRecord is what a speculative compile saw, kept in <Out>.key.
type specRecord struct {
	Argv   []string          `json:"argv"`
	Dir    string            `json:"dir"`
	Files  map[string]string `json:"files"` // absolute path → SHA-256 of the bytes read
	Stderr string            `json:"stderr,omitempty"`
}

func (c *Config) loadSpeculation(get func(string) (string, bool)) {
	c.SpecDir, _ = get(specVar)
	v, _ := get(specAppendVar)
	c.SpecAppend = splitList(v)
}

// speculate adds a speculative compile of input idx when the original
// stage compiles a source that has a patched version waiting.
func (b *builder) speculate(idx int, names asmNames, out string, link bool) {
	if b.c.Stage != StageOriginal || b.c.SpecDir == "" {
		return
	}
	in := b.cmd.Args[idx].Text
	real, err := realPath(in)
	if err != nil {
		return
	}
	src := filepath.Join(b.c.SpecDir, real)
	if fi, err := os.Stat(src); err != nil || !fi.Mode().IsRegular() {
		return
	}
	patched := *b.c
	patched.Stage, patched.AppendArgs = StagePatched, b.c.SpecAppend
	pb := &builder{c: &patched, cmd: b.cmd, cxxName: b.cxxName}
	asm := names.stage(StagePatched)
	key := pb.compile(idx, "-S", asm, out, link)
	argv, ok := specArgv(key, in, src, asm+specExt, asm+specExt+".d")
	if !ok {
		return
	}
	b.plan.Speculate = append(b.plan.Speculate, Speculation{Argv: argv, Out: asm + specExt, Key: key,
		deps: asm + specExt + ".d", specRoot: filepath.Clean(b.c.SpecDir)})
}

// specArgv turns the patched stage's compile (key) of in into the same
// compile of src into out: the input and output replaced, the dependency
// options replaced by one writing deps, the directory of in searched for
// quoted includes first (as it is for in itself), and file names under
// src's directory mapped back to what they are for in, through the same
// prefix maps the command has. false when the command is not understood.
func specArgv(key []string, in, src, out, deps string) ([]string, bool) {
	cmd, err := ccargs.Parse(key[1:])
	if err != nil || cmd.Action != ccargs.ActionAsm || len(cmd.Inputs) != 1 || strings.Contains(src, "=") {
		return nil, false
	}
	dir := in[:len(in)-len(filepath.Base(in))] // as written: "", "./", "sub/", "/abs/"
	argv := []string{key[0], "-iquote", cmp(strings.TrimSuffix(dir, "/"), ".")}
	var macro, debug [][2]string
	skip := false
	for i, a := range cmd.Args {
		switch {
		case a.Kind == ccargs.Value && skip:
			continue
		case isDep(a):
			skip = true
			continue
		case i == cmd.Inputs[0]:
			argv = append(argv, src)
		case a.Kind == ccargs.Value && isOutput(ccargs.Arg{Name: a.Name}):
			argv = append(argv, out)
		case a.Kind == ccargs.Option && isOutput(a):
			argv = append(argv, "-o"+out)
		default:
			argv = append(argv, a.Text)
			macro, debug = collectMap(a.Text, macro, debug)
		}
		skip = false
	}
	from := filepath.Dir(src) + "/"
	argv = append(argv, mapOpts(from, remap(macro, dir), remap(debug, dir))...)
	return append(argv, "-MD", "-MF", deps), true
}

// collectMap adds a -f*-prefix-map option's mapping to the maps it feeds.
func collectMap(opt string, macro, debug [][2]string) ([][2]string, [][2]string) {
	for _, p := range []struct {
		prefix      string
		macro, debg bool
	}{{"-ffile-prefix-map=", true, true}, {"-fmacro-prefix-map=", true, false}, {"-fdebug-prefix-map=", false, true}} {
		v, ok := strings.CutPrefix(opt, p.prefix)
		if !ok {
			continue
		}
		old, new, ok := strings.Cut(v, "=")
		if !ok {
			return macro, debug
		}
		if p.macro {
			macro = append(macro, [2]string{old, new})
		}
		if p.debg {
			debug = append(debug, [2]string{old, new})
		}
	}
	return macro, debug
}

// remap is gcc's remap_filename: the last map whose old prefix starts s
// replaces it (file-prefix-map.cc).
func remap(maps [][2]string, s string) string {
	for i := len(maps) - 1; i >= 0; i-- {
		if strings.HasPrefix(s, maps[i][0]) {
			return maps[i][1] + s[len(maps[i][0]):]
		}
	}
	return s
}

// realPath is the absolute path of p with its directory's symbolic links
// resolved, the key of the speculation mirror.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

// startSpeculations starts every speculative compile of p; the returned
// function waits for them and records what each read (or, if keep is
// false because the plan failed, removes their outputs).
func (c *Config) startSpeculations(p *Plan) func(keep bool) {
	type running struct {
		s      Speculation
		cmd    *exec.Cmd
		stderr bytes.Buffer
	}
	var all []*running
	for _, s := range p.Speculate {
		r := &running{s: s, cmd: exec.Command(s.Argv[0], s.Argv[1:]...)}
		r.cmd.Env = c.Env
		r.cmd.Stderr = &r.stderr
		c.debugf("speculate: %s", ccargs.Quote(s.Argv))
		if r.cmd.Start() == nil {
			all = append(all, r)
		}
	}
	return func(keep bool) {
		for _, r := range all {
			err := r.cmd.Wait()
			if keep && err == nil && r.s.record(r.stderr.String()) == nil {
				continue
			}
			os.Remove(r.s.Out)
			os.Remove(r.s.Out + ".key")
		}
		for _, r := range all {
			os.Remove(r.s.deps)
		}
	}
}

// record writes the speculation's record: its key command, the directory
// and the hash of every file the compile read (from its dependency file),
// with files of the mirror named by the paths they stand for.
func (s Speculation) record(stderr string) error {
	files, err := readDeps(s.deps)
	if err != nil {
		return err
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	rec := specRecord{Argv: s.Key, Dir: dir, Files: map[string]string{}, Stderr: stderr}
	for _, f := range files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		sum, err := sumFile(f)
		if err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(f, s.specRoot+"/"); ok {
			f = "/" + rest
		}
		rec.Files[f] = sum
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.Out+".key.tmp", b, 0o644); err != nil {
		return err
	}
	return os.Rename(s.Out+".key.tmp", s.Out+".key")
}

// reuse reports whether a speculation of the patched compile argv writing
// asm can stand in for it: its record names the same command in the same
// directory, and every file it read still has the same bytes.
func (c *Config) reuse(argv []string, asm string) bool {
	b, err := os.ReadFile(asm + specExt + ".key")
	if err != nil {
		return false
	}
	var rec specRecord
	if json.Unmarshal(b, &rec) != nil || !slices.Equal(rec.Argv, argv) || len(rec.Files) == 0 {
		return false
	}
	if dir, err := os.Getwd(); err != nil || dir != rec.Dir {
		return false
	}
	if _, err := os.Stat(asm + specExt); err != nil {
		return false
	}
	for f, want := range rec.Files {
		if got, err := sumFile(f); err != nil || got != want {
			c.debugf("not reusing %s%s: %s changed", asm, specExt, f)
			return false
		}
	}
	c.debugf("reusing %s%s (speculative compile)", asm, specExt)
	if rec.Stderr != "" {
		io.WriteString(c.Stderr, rec.Stderr) // the warnings the compile gave
	}
	return true
}

func sumFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readDeps reads the prerequisites of the one rule gcc -MD writes
// ("target: dep dep \<newline> dep"), unescaping "\ " and "$$".
func readDeps(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	line, _, _ := strings.Cut(text, "\n")
	colon := strings.Index(line, ": ")
	if colon < 0 {
		return nil, os.ErrInvalid
	}
	var deps []string
	var cur strings.Builder
	sc := bufio.NewReader(strings.NewReader(line[colon+2:]))
	for {
		r, _, err := sc.ReadRune()
		if err != nil {
			break
		}
		switch {
		case r == '\\':
			if n, _, err := sc.ReadRune(); err == nil {
				if n != ' ' && n != '#' {
					cur.WriteRune('\\')
				}
				cur.WriteRune(n)
			}
		case r == '$':
			if n, _, err := sc.ReadRune(); err == nil && n != '$' {
				cur.WriteRune('$')
				cur.WriteRune(n)
			} else {
				cur.WriteRune('$')
			}
		case r == ' ' || r == '\t':
			if cur.Len() > 0 {
				deps = append(deps, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		deps = append(deps, cur.String())
	}
	return deps, nil
}
