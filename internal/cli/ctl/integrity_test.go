//go:build linux && amd64

package ctl_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/testutil"
)

// Mutants per run of TestMutants: random byte flips of CRC-protected
// files, ELF-header flips of files without CRC, and targeted mutations
// (half without CRC, half with the CRC recomputed).
const (
	nCRCFlips   = 120
	nHdrFlips   = 30
	nTargeted   = 150
	mutantsSeed = 20251206
)

// mutantLine is a line of fixtures/ctl/mutant.c: "orig N N+1 2N" or, with
// the patch, "patched N N+107 3N". Anything else is wrong code running.
var mutantLine = regexp.MustCompile(`^(orig|patched) (-?\d+) (-?\d+) (-?\d+)$`)

// lineKind returns "orig" or "patched" for a line computed right, "" for
// any other line.
func lineKind(l string) string {
	m := mutantLine.FindStringSubmatch(l)
	if m == nil {
		return ""
	}
	n, _ := strconv.Atoi(m[2])
	a, _ := strconv.Atoi(m[3])
	b, _ := strconv.Atoi(m[4])
	switch {
	case m[1] == "orig" && a == n+1 && b == 2*n:
		return "orig"
	case m[1] == "patched" && a == n+107 && b == 3*n:
		return "patched"
	}
	return ""
}

// mutantTarget is the one process TestMutants patches again and again.
type mutantTarget struct {
	*target
	text map[uint64][]byte // its code before any patch
}

// lines returns the complete lines printed since the mark and moves the
// mark past them; a line computed wrong fails the test.
func (mt *mutantTarget) lines(t *testing.T, what string) []string {
	t.Helper()
	all := mt.out.String()
	end := strings.LastIndexByte(all, '\n')
	if end < mt.mark {
		return nil
	}
	chunk := all[mt.mark:end]
	mt.mark = end + 1
	var kinds []string
	for _, l := range strings.Split(chunk, "\n") {
		k := lineKind(l)
		if k == "" {
			t.Fatalf("%s: the target printed %q: it runs wrong code", what, l)
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// waitFor waits until the target prints a right line of kind k.
func (mt *mutantTarget) waitFor(t *testing.T, k, what string) {
	t.Helper()
	mt.alive(t, what)
	deadline := time.Now().Add(waitTime)
	for {
		for _, got := range mt.lines(t, what) {
			if got == k {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q line from pid %d in %v", what, k, mt.pid, waitTime)
		}
		mt.alive(t, what)
		time.Sleep(5 * time.Millisecond)
	}
}

// alive fails the test when the target died or is stopped or traced.
func (mt *mutantTarget) alive(t *testing.T, what string) {
	t.Helper()
	st, err := procfs.ReadStatus(mt.pid)
	if err != nil || st.State == "Z" || st.State == "X" {
		t.Fatalf("%s: the target (pid %d) died: %v\n%s", what, mt.pid, err, tail(mt.out.String()))
	}
	if st.TracerPid != 0 || st.State == "t" || st.State == "T" {
		t.Fatalf("%s: the target is left stopped or traced: %+v", what, *st)
	}
}

// unharmed checks a refused mutant changed nothing: same code bytes, no
// patch region, still printing original lines.
func (mt *mutantTarget) unharmed(t *testing.T, what string) {
	t.Helper()
	mt.alive(t, what)
	if got := testutil.ProcessText(t, mt.pid, mt.bin); !reflect.DeepEqual(got, mt.text) {
		t.Fatalf("%s: refused, but the target's code changed", what)
	}
	if n := testutil.AnonExec(t, mt.pid); n != 0 {
		t.Fatalf("%s: refused, but %d anonymous executable mapping(s) were left", what, n)
	}
	for _, k := range mt.lines(t, what) {
		if k != "orig" {
			t.Fatalf("%s: refused, but the target printed a patched line", what)
		}
	}
}

// TestMutants applies a few hundred corrupted copies of a real patch to a
// live process: each one is either refused cleanly (one line, exit 255,
// the process untouched) or applied correctly (the patched output, and
// unpatch restores the original), never harmful. Seeded: a failure names
// the mutant and reproduces.
func TestMutants(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "mutant.c", Patched: "mutant.patched.c"})
	good, err := os.ReadFile(pb.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	tg := startTarget(t, pb.Binary)
	mt := &mutantTarget{target: tg}
	mt.waitFor(t, "orig", "start")
	mt.text = testutil.ProcessText(t, tg.pid, pb.Binary)
	mt.applyAndRemove(t, pb.Kpatch, "the unchanged patch")

	m := newMutator(t, mutantsSeed, good)
	var ms []mutant
	for i := 0; i < nCRCFlips; i++ {
		ms = append(ms, m.crcFlip())
	}
	for i := 0; i < nHdrFlips; i++ {
		ms = append(ms, m.elfHeaderFlip())
	}
	for i := 0; i < nTargeted; i++ {
		ms = append(ms, m.targeted(i%2 == 1))
	}
	stats := map[string][2]int{} // kind → refused, applied
	for i, mu := range ms {
		what := fmt.Sprintf("mutant %d (%s:%s)", i, mu.kind, mu.desc)
		path := filepath.Join(dir, "mutant.kpatch.mut")
		if err := os.WriteFile(path, mu.b, 0o644); err != nil {
			t.Fatal(err)
		}
		applied := mt.try(t, path, what, mu.mustRefuse)
		kind, _, _ := strings.Cut(mu.kind, "/")
		s := stats[kind]
		if applied {
			s[1]++
		} else {
			s[0]++
		}
		stats[kind] = s
	}
	logStats(t, stats)
}

// try applies one mutant; it returns whether it was applied (and removed
// again).
func (mt *mutantTarget) try(t *testing.T, path, what string, mustRefuse bool) bool {
	t.Helper()
	r := testutil.Ctl(t, "patch", "-p", mt.p(), path)
	if r.Code != 0 {
		if r.Code != 255 || strings.Count(r.Stderr, "\n") != 1 {
			t.Fatalf("%s: got exit %d and stderr %q, want exit 255 and one line", what, r.Code, r.Stderr)
		}
		mt.unharmed(t, what)
		return false
	}
	if mustRefuse {
		t.Errorf("%s: applied, want it refused\n%s", what, r.Stdout)
	}
	if !strings.Contains(r.Stdout, "successfully applied") {
		t.Fatalf("%s: exit 0 without applying:\n%s", what, r.Stdout)
	}
	mt.waitFor(t, "patched", what)
	mt.remove(t, what)
	return true
}

// applyAndRemove checks a patch that must apply.
func (mt *mutantTarget) applyAndRemove(t *testing.T, path, what string) {
	t.Helper()
	testutil.MustCtl(t, "patch", "-p", mt.p(), path)
	mt.waitFor(t, "patched", what)
	mt.remove(t, what)
}

// remove unpatches and checks the original code is back.
func (mt *mutantTarget) remove(t *testing.T, what string) {
	t.Helper()
	r := testutil.Ctl(t, "unpatch", "-p", mt.p())
	if r.Code != 0 {
		t.Fatalf("%s: applied, but unpatch failed (exit %d): %s%s", what, r.Code, r.Stdout, r.Stderr)
	}
	mt.waitFor(t, "orig", what+" (unpatched)")
	if got := testutil.ProcessText(t, mt.pid, mt.bin); !reflect.DeepEqual(got, mt.text) {
		t.Fatalf("%s: unpatch left the code changed", what)
	}
	if n := testutil.AnonExec(t, mt.pid); n != 0 {
		t.Fatalf("%s: unpatch left %d anonymous executable mapping(s)", what, n)
	}
}

func logStats(t *testing.T, stats map[string][2]int) {
	kinds := make([]string, 0, len(stats))
	for k := range stats {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	for _, k := range kinds {
		fmt.Fprintf(&b, "\n  %-24s refused %3d  applied %3d", k, stats[k][0], stats[k][1])
	}
	t.Logf("mutants by kind:%s", b.String())
}

// kernelThread returns a kernel thread's pid, found by reading /proc only.
func kernelThread(t *testing.T) int {
	t.Helper()
	pids, err := procfs.Pids()
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if s, err := procfs.ReadStat(pid); err == nil && s.KernelThread() {
			return pid
		}
	}
	t.Skip("skipping: no kernel thread visible in this pid namespace")
	return 0
}

// zombie returns the pid of a child of the test that exited and is not
// reaped yet; a cleanup reaps it.
func zombie(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Wait() })
	pid := cmd.Process.Pid
	deadline := time.Now().Add(waitTime)
	for {
		if st, err := procfs.ReadStatus(pid); err == nil && st.State == "Z" {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d did not become a zombie in %v", pid, waitTime)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ctlSelf runs libcare-ctl with "$$" in args replaced by its own pid.
func ctlSelf(t *testing.T, args ...string) testutil.CtlResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	line := "exec " + testutil.Tool(t, "libcare-ctl")
	for _, a := range args {
		line += " '" + a + "'"
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", strings.ReplaceAll(line, "'$$'", "$$"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := testutil.CtlResult{Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.Code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRefusedTargets: processes there is nothing to patch in get a
// message that says why (they used to get "no such process").
func TestRefusedTargets(t *testing.T) {
	testutil.MustHavePtrace(t)
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	kt, zb := kernelThread(t), zombie(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"patch kernel thread", []string{"patch", "-p", fmt.Sprint(kt), pb.Kpatch}, fmt.Sprintf("pid %d is a kernel thread (no user address space)", kt)},
		{"unpatch kernel thread", []string{"unpatch", "-p", fmt.Sprint(kt)}, fmt.Sprintf("pid %d is a kernel thread (no user address space)", kt)},
		{"info kernel thread", []string{"info", "-p", fmt.Sprint(kt)}, fmt.Sprintf("pid %d is a kernel thread (no user address space)", kt)},
		{"patch zombie", []string{"patch", "-p", fmt.Sprint(zb), pb.Kpatch}, fmt.Sprintf("pid %d is a zombie", zb)},
		{"unpatch zombie", []string{"unpatch", "-p", fmt.Sprint(zb), "-i", "0001"}, fmt.Sprintf("pid %d is a zombie", zb)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oneLineError(t, testutil.Ctl(t, tc.args...), tc.want)
		})
	}
	t.Run("itself", func(t *testing.T) {
		r := ctlSelf(t, "patch", "-p", "$$", pb.Kpatch)
		pid := strings.TrimPrefix(strings.SplitN(r.Stdout, "\n", 2)[0], "Applying patch for ")
		pid, _, _ = strings.Cut(pid, " ")
		oneLineError(t, r, fmt.Sprintf("cannot patch libcare-ctl itself (pid %s)", pid))
		r = ctlSelf(t, "unpatch", "-p", "$$")
		oneLineError(t, r, "cannot unpatch libcare-ctl itself (pid ")
	})
}

// TestRefusedFiles: what is not a regular patch file of a sane size is
// refused by name, at once, without reading it and without touching the
// target.
func TestRefusedFiles(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	good, err := os.ReadFile(pb.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.kpatch")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// 1 GiB, sparse: a real patch whose header claims the whole file.
	huge := filepath.Join(dir, "huge.kpatch")
	hb := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(hb[hdrTotalSize:], 1<<30)
	binary.LittleEndian.PutUint32(hb[hdrCsum:], 0)
	if err := os.WriteFile(huge, hb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<30); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"fifo without writer", []string{fifo}, "fifo.kpatch is a FIFO: not a regular file"},
		{"dev zero", []string{"/dev/zero"}, "/dev/zero is a character device: not a regular file"},
		{"over the size limit", []string{huge}, "exceed the limit of 268435456 bytes"},
		{"small limit", []string{"--max-size", "4K", pb.Kpatch}, "exceed the limit of 4096 bytes"},
		{"header claims 1 GiB", []string{"--max-size", "2G", huge}, "the header gives the ELF 1073741320 bytes, but it ends at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(testutil.Tool(t, "libcare-ctl"), append([]string{"patch", "-p", tg.p()}, tc.args...)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(waitTime):
				cmd.Process.Kill()
				<-done
				t.Fatalf("libcare-ctl still running after %v: it blocks on the file", waitTime)
			}
			r := testutil.CtlResult{Stdout: out.String(), Stderr: errb.String(), Code: cmd.ProcessState.ExitCode()}
			oneLineError(t, r, tc.want)
			// Linux reports the peak RSS in KiB: far below what the
			// file would take if it were read.
			if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss; rss > 128<<10 {
				t.Errorf("libcare-ctl peaked at %d KiB of memory for a refused file", rss)
			}
			untouched(t, tg, text, "Hello world!\n")
		})
	}
}

// TestEscapedOutput: ids and names from a patch file are printed escaped,
// never as raw bytes that could forge lines or garble a terminal.
func TestEscapedOutput(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	good, err := os.ReadFile(pb.Kpatch)
	if err != nil {
		t.Fatal(err)
	}
	rawID := "\x1b\xff\n1"
	b := append([]byte(nil), good...)
	copy(b[8:16], rawID+"\x00")
	path := filepath.Join(dir, "odd-id.kpatch")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	printable := func(what, s string) {
		t.Helper()
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x1b\xff") {
			t.Errorf("%s: got raw bytes in %q", what, s)
		}
	}
	r := testutil.MustCtl(t, "patch", "-p", tg.p(), path)
	printable("patch", r.Stdout+r.Stderr)
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	r = testutil.MustCtl(t, "info", "-p", tg.p())
	printable("info", r.Stdout)
	wantLines(t, r.Stdout, `Patch id:                 \x1b\xff\n1`)
	r = testutil.Ctl(t, "patch", "-p", tg.p(), path)
	printable("patch again", r.Stdout+r.Stderr)
	oneLineError(t, r, `A patch with patch-id(\x1b\xff\n1) is already applied by foo`)
	testutil.MustCtl(t, "unpatch", "-p", tg.p(), "-i", rawID)
	tg.skip()
	tg.wait(t, "Hello world!\n")

	// A symbol name with a byte that is not UTF-8: the patch cannot be
	// applied, and the error names it escaped.
	b = append([]byte(nil), good...)
	i := bytes.Index(b, []byte("printf@"))
	if i < 0 {
		i = bytes.Index(b, []byte("puts@"))
	}
	if i < 0 {
		t.Fatalf("no printf@ or puts@ import in %s", pb.Kpatch)
	}
	b[i] = 0xff
	reseal(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = testutil.Ctl(t, "patch", "-p", tg.p(), path)
	printable("unresolved name", r.Stdout+r.Stderr)
	oneLineError(t, r, `failed to resolve undefined symbol '\xff`)
}
