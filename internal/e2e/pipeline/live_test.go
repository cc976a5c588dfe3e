package pipeline

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestLivePatch builds a patch for each generated program with the guide's
// manual flow, patches the running original with libcare-ctl, checks that
// it then prints what the patched program prints, unpatches it and checks
// the original behaviour is back.
func TestLivePatch(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	for _, seed := range seeds() {
		fs := flagsOf(seed)
		t.Run(fmt.Sprintf("seed%d-%s", seed, fs.name), func(t *testing.T) {
			t.Parallel()
			count(&stats.live)
			ok := false
			defer func() {
				if !ok {
					count(&stats.liveFail)
				}
			}()
			livePatch(t, seed, fs)
			ok = !t.Failed()
		})
	}
}

func livePatch(t *testing.T, seed uint64, fs flagSet) {
	p := generate(seed)
	q := p.mutate()
	t.Logf("mutations: %s", strings.Join(q.muts, "; "))
	dir := t.TempDir()
	testutil.WriteFile(t, dir, "orig.c", p.source())
	testutil.WriteFile(t, dir, "patched.c", q.source())
	var bin string
	var kpatches []string
	if !q.libcData {
		pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "orig.c", Patched: "patched.c",
			CFlags: fs.cflags, LDFlags: fs.ldflags})
		checkLayout(t, pb.Binary, pb.Binary+".patched")
		bin, kpatches = pb.Binary, []string{pb.Kpatch}
		if seed%2 == 1 {
			// libcare-cc's default: new code reaches globals through the GOT.
			kp, refused := flowTail(t, dir, fs, bin, pb.BuildID, true)
			if refused != "" {
				t.Fatalf("kpatch_strip refused the --force-gotpcrel patch: %s", refused)
			}
			kpatches = append(kpatches, kp)
		}
	} else {
		bin, kpatches = libcDataPatches(t, dir, fs)
		if len(kpatches) == 0 {
			return
		}
	}
	args := append(append(append([]string{}, fs.cflags...), "-o", "patched", "patched.c"), fs.ldflags...)
	testutil.Run(t, dir, "gcc", args...)
	want0, want1 := &expected{bin: bin}, &expected{bin: filepath.Join(dir, "patched")}
	if want0.same(t, want1, 64) {
		count(&stats.weak)
		t.Logf("the mutation does not change the first 64 lines of output")
	}

	cmd, out := testutil.StartTarget(t, bin)
	pid := fmt.Sprint(cmd.Process.Pid)
	checkLines(t, out, 0, 3, want0, "before patching")
	for _, kp := range kpatches {
		patchCycle(t, out, pid, kp, want0, want1)
	}
	testutil.CheckUntraced(t, cmd.Process.Pid)
}

// patchCycle patches, checks, unpatches and checks again.
func patchCycle(t *testing.T, out *testutil.Output, pid, kpatch string, want0, want1 *expected) {
	t.Helper()
	r := testutil.MustCtl(t, "patch", "-p", pid, kpatch)
	if !strings.Contains(r.Stdout, "successfully applied") {
		t.Fatalf("patch: got %q, want a line with %q", r.Stdout, "successfully applied")
	}
	checkLines(t, out, out.Len(), 3, want1, "after patching "+filepath.Base(kpatch))
	r = testutil.MustCtl(t, "unpatch", "-p", pid)
	if !strings.Contains(r.Stdout, "successfully cancelled") {
		t.Fatalf("unpatch: got %q, want a line with %q", r.Stdout, "successfully cancelled")
	}
	checkLines(t, out, out.Len(), 3, want0, "after unpatching "+filepath.Base(kpatch))
}

// libcDataPatches builds the patches of a mutation that reads a shared
// library's variable, with and without --force-gotpcrel. kpatch_strip
// must refuse a patch whose code reads the variable directly (the copy
// ld made of it exists only in the patched binary) unless the original
// has the same copy; the patches it accepts are returned for the live
// check.
func libcDataPatches(t *testing.T, dir string, fs flagSet) (bin string, kpatches []string) {
	t.Helper()
	cc := func(args ...string) {
		testutil.Run(t, dir, "gcc", append(append([]string{}, fs.cflags...), args...)...)
	}
	cc("-S", "orig.c", "-o", "orig.orig.s")
	cc("-S", "patched.c", "-o", "orig.patched.s")
	s, err := os.ReadFile(filepath.Join(dir, "orig.patched.s"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, dir, "orig.patched.s", strings.ReplaceAll(string(s), `"patched.c"`, `"orig.c"`))
	cc(append([]string{"-o", "orig", "orig.orig.s"}, fs.ldflags...)...)
	bin = filepath.Join(dir, "orig")
	bid := testutil.MustBuildID(t, bin)
	for _, got := range []bool{false, true} {
		kp, refused := flowTail(t, dir, fs, bin, bid, got)
		if refused != "" {
			count(&stats.refused)
			t.Logf("refused (gotpcrel %v): %s", got, refused)
			continue
		}
		kpatches = append(kpatches, kp)
	}
	return bin, kpatches
}

// flowTail runs the manual flow from kpatch_gensrc on, over the assembly
// left in dir (orig.orig.s, orig.patched.s), and returns the patch, or
// kpatch_strip's message when it refused a reference to a variable the
// original binary does not have.
func flowTail(t *testing.T, dir string, fs flagSet, bin, bid string, gotpcrel bool) (kpatch, refused string) {
	t.Helper()
	name, gargs := "plain", []string{"--force-global"}
	if gotpcrel {
		name, gargs = "got", append(gargs, "--force-gotpcrel")
	}
	gargs = append(gargs, "--os=rhel6", "-i", "orig.orig.s", "-i", "orig.patched.s", "-o", name+".s")
	testutil.Run(t, dir, testutil.Tool(t, "kpatch_gensrc"), gargs...)
	args := append(append(append([]string{}, fs.cflags...), "-o", name+".patched", name+".s", "-Wl,-q"), fs.ldflags...)
	testutil.Run(t, dir, "gcc", args...)
	kstrip := testutil.Tool(t, "kpatch_strip")
	stripped := name + ".stripped"
	testutil.Run(t, dir, kstrip, "--strip", name+".patched", stripped)
	if out, err := testutil.RunErr(dir, kstrip, "--rel-fixup", bin, stripped); err != nil {
		if i := strings.Index(out, "is not in the original binary"); i >= 0 {
			return "", strings.TrimSpace(out[strings.LastIndex(out[:i], "symbol"):])
		}
		t.Fatalf("kpatch_strip --rel-fixup: %v\n%s", err, out)
	}
	testutil.Run(t, dir, "strip", "--strip-unneeded", stripped)
	testutil.Run(t, dir, kstrip, "--undo-link", bin, stripped)
	testutil.Run(t, dir, testutil.Tool(t, "kpatch_make"), "-b", bid, "-i", name, stripped, "-o", name+".kpatch")
	return filepath.Join(dir, name+".kpatch"), ""
}

// expected holds the output lines of a program run with a count, by
// iteration number.
type expected struct {
	bin   string
	lines []string
}

// line returns the line of iteration n, running the program again for
// more lines when needed.
func (e *expected) line(t *testing.T, n int) string {
	t.Helper()
	if n >= len(e.lines) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := exec.CommandContext(ctx, e.bin, strconv.Itoa(n+200)).Output()
		if err != nil {
			t.Fatalf("%s %d: %v", e.bin, n+200, err)
		}
		e.lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if n >= len(e.lines) {
			t.Fatalf("%s %d: got %d lines", e.bin, n+200, len(e.lines))
		}
	}
	return e.lines[n]
}

// same reports whether e and o print the same first n lines.
func (e *expected) same(t *testing.T, o *expected, n int) bool {
	for i := 0; i < n; i++ {
		if e.line(t, i) != o.line(t, i) {
			return false
		}
	}
	return true
}

// checkLines waits for the first whole line after byte mark, skips it (it
// may have been computed while the patch was being applied) and compares
// the following k lines with want, by their iteration number.
func checkLines(t *testing.T, out *testutil.Output, mark, k int, want *expected, when string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lines []string
	for {
		s := out.String()[mark:]
		if mark > 0 && out.String()[mark-1] != '\n' {
			_, s, _ = strings.Cut(s, "\n")
		}
		lines = strings.SplitAfter(s, "\n")
		lines = lines[:len(lines)-1] // the unfinished rest
		if len(lines) >= k+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d whole lines %q after 15s, want %d", when, len(lines), s, k+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, l := range lines[1 : k+1] {
		l = strings.TrimSuffix(l, "\n")
		var n int
		if _, err := fmt.Sscanf(l, "iter %d:", &n); err != nil {
			t.Fatalf("%s: got line %q, want \"iter N: ...\"", when, l)
		}
		if w := want.line(t, n); l != w {
			t.Errorf("%s: got %q, want %q", when, l, w)
		}
	}
}

// checkLayout checks the property undo-link relies on: every function and
// object of the original binary sits at the same offset inside its
// section in the patched binary (gensrc kept original sections
// byte-identical), so references from the patch resolve correctly.
func checkLayout(t *testing.T, orig, patched string) {
	t.Helper()
	o, p := symOffsets(t, orig), symOffsets(t, patched)
	for k, off := range o {
		if poff, ok := p[k]; !ok {
			t.Errorf("symbol %s of the original missing from the patched binary", k)
		} else if poff != off {
			t.Errorf("symbol %s: got offset %#x in the patched binary, want the original's %#x", k, poff, off)
		}
	}
}

// symOffsets maps "name in section" to the symbol's offset in its section,
// for the uniquely named functions and objects of the program's sections.
func symOffsets(t *testing.T, path string) map[string]uint64 {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	out, dup := map[string]uint64{}, map[string]bool{}
	for _, s := range syms {
		st := elf.ST_TYPE(s.Info)
		if (st != elf.STT_FUNC && st != elf.STT_OBJECT) || s.Section == elf.SHN_UNDEF || s.Section >= elf.SHN_LORESERVE {
			continue
		}
		sec := f.Sections[s.Section]
		// Leading underscores: crt and linker symbols (__FRAME_END__,
		// __TMC_END__) that legitimately move.
		if strings.Contains(sec.Name, "kpatch") || strings.HasSuffix(s.Name, ".kpatch") || strings.HasPrefix(s.Name, "_") {
			continue
		}
		k := s.Name + " in " + sec.Name
		if _, seen := out[k]; seen {
			dup[k] = true
		}
		out[k] = s.Value - sec.Addr
	}
	for k := range dup {
		delete(out, k)
	}
	return out
}
