package unwind

import (
	"bufio"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

var (
	buildDir string
	buildMu  sync.Mutex
	builds   = map[string]string{}
	tables   sync.Map // path → *Table, so libc is parsed once per test binary
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "golibcare-unwind-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// variant is one way of compiling a fixture.
type variant struct {
	name  string
	flags []string
}

var variants = []variant{
	{"O0-pie", []string{"-O0", "-pie", "-fPIE"}},
	{"O0-nopie", []string{"-O0", "-no-pie", "-fno-PIE"}},
	{"O2-pie", []string{"-O2", "-fomit-frame-pointer", "-pie", "-fPIE"}},
	{"O2-nopie", []string{"-O2", "-fomit-frame-pointer", "-no-pie", "-fno-PIE"}},
}

// buildFixture compiles fixtures/unwind/<src> with v's flags once per test
// binary and returns the executable's path.
func buildFixture(t testing.TB, src string, v variant) string {
	t.Helper()
	testutil.MustHaveGCC(t)
	buildMu.Lock()
	defer buildMu.Unlock()
	key := src + "/" + v.name
	if p, ok := builds[key]; ok {
		return p
	}
	out := filepath.Join(buildDir, strings.TrimSuffix(src, ".c")+"-"+v.name)
	in := filepath.Join(testutil.RepoRoot(t), "fixtures", "unwind", src)
	args := append(append([]string{}, v.flags...), "-g", "-o", out, in, "-lpthread")
	testutil.Run(t, buildDir, "gcc", args...)
	builds[key] = out
	return out
}

// capture is what fixtures/unwind/chain.c dumps: registers, the stack from
// rsp to its mapping's end, and /proc/self/maps.
type capture struct {
	regs  Regs
	stack stackMem
	maps  []mapping
}

type mapping struct {
	start, end, offset uint64
	perms, path        string
}

// stackMem serves the dumped stack as target memory and counts reads.
type stackMem struct {
	base  uint64
	data  []byte
	reads *int
}

func (m stackMem) ReadAt(p []byte, off int64) (int, error) {
	if m.reads != nil {
		*m.reads++
	}
	addr := uint64(off)
	if off < 0 || addr < m.base || addr >= m.base+uint64(len(m.data)) {
		return 0, fmt.Errorf("read %#x: outside the stack dump: %w", addr, io.EOF)
	}
	n := copy(p, m.data[addr-m.base:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func runCapture(t testing.TB, bin, mode string) *capture {
	t.Helper()
	dir := t.TempDir()
	testutil.Run(t, dir, bin, mode, dir)
	return loadCapture(t, dir)
}

// startHeld runs the fixture with CHAIN_HOLD=1, waits for its dump and
// returns the live process's pid with the capture; the process is killed
// when the test ends.
func startHeld(t testing.TB, bin, mode string) (int, *capture) {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(bin, mode, dir)
	cmd.Env = append(os.Environ(), "CHAIN_HOLD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s: no dump after 10s", bin, mode)
		}
	}
	return cmd.Process.Pid, loadCapture(t, dir)
}

func loadCapture(t testing.TB, dir string) *capture {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	regs, stack := read("regs"), read("stack")
	if len(regs) != 64 || len(stack) < 8 {
		t.Fatalf("dump sizes: regs %d, stack %d", len(regs), len(stack))
	}
	var w [8]uint64
	for i := range w {
		w[i] = binary.LittleEndian.Uint64(regs[8*i:])
	}
	c := &capture{
		regs:  Regs{PC: w[0], SP: w[1], BP: w[2], BX: w[3], R12: w[4], R13: w[5], R14: w[6], R15: w[7]},
		stack: stackMem{base: binary.LittleEndian.Uint64(stack), data: stack[8:]},
		maps:  parseMaps(t, read("maps")),
	}
	if c.stack.base != c.regs.SP {
		t.Fatalf("stack dump base %#x, want rsp %#x", c.stack.base, c.regs.SP)
	}
	return c
}

func parseMaps(t testing.TB, b []byte) []mapping {
	t.Helper()
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 5 {
			t.Fatalf("maps line %q", sc.Text())
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		m := mapping{perms: f[1]}
		m.start, _ = strconv.ParseUint(lo, 16, 64)
		m.end, _ = strconv.ParseUint(hi, 16, 64)
		m.offset, _ = strconv.ParseUint(f[2], 16, 64)
		if len(f) >= 6 {
			m.path = f[5]
		}
		out = append(out, m)
	}
	return out
}

// object is one ELF file mapped in the capture.
type object struct {
	path string
	mod  Module
	syms []elf.Symbol // FUNC symbols sorted by address
}

// objects builds a Module for every file mapped in c (the executable,
// libc, ld.so), with Bias from its first mapping and the ELF's PT_LOADs.
func objects(t testing.TB, c *capture) []*object {
	t.Helper()
	var out []*object
	byPath := map[string]*object{}
	for _, m := range c.maps {
		if !strings.HasPrefix(m.path, "/") {
			continue
		}
		if o := byPath[m.path]; o != nil {
			o.mod.Start, o.mod.End = min(o.mod.Start, m.start), max(o.mod.End, m.end)
			continue
		}
		o := loadObject(t, m)
		byPath[m.path] = o
		out = append(out, o)
	}
	return out
}

func loadObject(t testing.TB, m mapping) *object {
	t.Helper()
	f, err := elf.Open(m.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bias, err := Bias(f, m.start, m.offset)
	if err != nil {
		t.Fatalf("%s: %v", m.path, err)
	}
	tab, ok := tables.Load(m.path)
	if !ok {
		tt, err := LoadFile(m.path)
		if err != nil {
			t.Fatal(err)
		}
		tab, _ = tables.LoadOrStore(m.path, tt)
	}
	o := &object{path: m.path, mod: Module{Start: m.start, End: m.end, Bias: bias, Table: tab.(*Table)}}
	syms, _ := f.Symbols()
	dyn, _ := f.DynamicSymbols()
	for _, s := range append(syms, dyn...) {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
			o.syms = append(o.syms, s)
		}
	}
	sort.Slice(o.syms, func(i, j int) bool { return o.syms[i].Value < o.syms[j].Value })
	return o
}

func modules(objs []*object) []Module {
	var mods []Module
	for _, o := range objs {
		mods = append(mods, o.mod)
	}
	return mods
}

// symbolize names the object and function holding pc ("?" when unknown).
func symbolize(objs []*object, pc uint64) (obj *object, fn string) {
	for _, o := range objs {
		if pc < o.mod.Start || pc >= o.mod.End {
			continue
		}
		link, best := pc-o.mod.Bias, -1
		for i, s := range o.syms {
			if s.Value <= link && link < s.Value+s.Size && (best < 0 || s.Value > o.syms[best].Value) {
				best = i
			}
		}
		if best >= 0 {
			return o, o.syms[best].Name
		}
		return o, "?"
	}
	return nil, "?"
}
