//go:build linux && amd64

package seccomp

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// The kernel is the reference: fixtures/seccomp/oracle installs a filter
// and makes one system call, and the tests check that Evaluate predicted
// what happened.

// oracleOutcome is what the kernel did with one call.
type oracleOutcome struct {
	killed bool
	trap   int // si_errno of the SIGSYS, when trapped
	trpd   bool
	ret    int64
	ip     uint64
}

func (o oracleOutcome) String() string {
	switch {
	case o.killed:
		return "killed by SIGSYS"
	case o.trpd:
		return fmt.Sprintf("trap %d", o.trap)
	}
	return fmt.Sprintf("ret %d", o.ret)
}

func buildC(t *testing.T, src, out string, libs ...string) string {
	t.Helper()
	testutil.MustHaveGCC(t)
	path := filepath.Join(t.TempDir(), out)
	args := append([]string{"-O0", "-Wall", "-o", path, filepath.Join(testutil.RepoRoot(t), "fixtures", "seccomp", src)}, libs...)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", src, err, b)
	}
	return path
}

func writeFilter(t *testing.T, dir string, p []Insn) string {
	t.Helper()
	path := filepath.Join(dir, "filter.bpf")
	if err := os.WriteFile(path, encode(p), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ask runs the oracle on filter file f for call c.
func ask(t *testing.T, oracle, f string, c Call) oracleOutcome {
	t.Helper()
	args := []string{f, strconv.Itoa(c.Nr)}
	for _, a := range c.Args {
		args = append(args, strconv.FormatUint(a, 16))
	}
	cmd := exec.Command(oracle, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	var o oracleOutcome
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "ip":
			o.ip, _ = strconv.ParseUint(v, 0, 64)
		case "ret":
			o.ret, _ = strconv.ParseInt(v, 10, 64)
		case "trap":
			o.trpd = true
			o.trap, _ = strconv.Atoi(v)
		}
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGSYS:
		o.killed = true
	case err != nil:
		t.Fatalf("oracle %v: %v\n%s", args, err, out)
	case o.ip == 0:
		t.Fatalf("oracle %v: no ip line in %q", args, out)
	}
	return o
}

// agrees reports whether the kernel did what action a says; allowed is
// the return value an allowed call must have (nil: any value no filter
// makes, i.e. not one of the test policies' errnos).
func agrees(a Action, o oracleOutcome, allowed func(int64) bool) bool {
	switch a.Effective() {
	case KillProcess, KillThread:
		return o.killed
	case Trap:
		return o.trpd && o.trap == int(a.Data())
	case Errno:
		return !o.killed && !o.trpd && o.ret == -int64(min(a.Data(), maxErrno))
	case Trace, UserNotif: // no tracer, no listener
		return !o.killed && !o.trpd && o.ret == -int64(syscall.ENOSYS)
	}
	return !o.killed && !o.trpd && allowed(o.ret)
}

// actions gives generated filters returns of every kind.
var actions = []Action{KillProcess, KillThread, Trap, Errno, UserNotif, Trace, Log, Allow, 0x00010000}

// TestKernelAgreesRandom runs generated filters in the kernel, on getppid
// with random arguments: a prefix lets every other call through so that
// the oracle can report.
func TestKernelAgreesRandom(t *testing.T) {
	oracle := buildC(t, "oracle.c", "oracle")
	dir := t.TempDir()
	const probe = syscall.SYS_GETPPID
	prefix := []Insn{Stmt(ldAbs, offNr), Jump(jeqK, probe, 1, 0), Stmt(retK, uint32(Allow))}
	rng := rand.New(rand.NewPCG(8, 4))
	seen := map[Action]int{}
	for n := 0; n < 150; n++ {
		b := make([]byte, 8*(2+rng.IntN(30)))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		body := generate(b)
		for i := range body {
			if in := &body[i]; in.Code == retK {
				in.K = uint32(actions[int(in.K>>16)%len(actions)]) | in.K&dataMask
			}
		}
		p := append(append([]Insn{}, prefix...), body...)
		if Validate(p) != nil {
			continue
		}
		c := Call{Nr: probe}
		for i := range c.Args {
			c.Args[i] = rng.Uint64() >> (rng.IntN(4) * 16)
		}
		o := ask(t, oracle, writeFilter(t, dir, p), c)
		c.IP = o.ip
		want, err := Evaluate([][]Insn{p}, c.Data())
		if err != nil {
			t.Fatal(err)
		}
		seen[want.Effective()]++
		if !agrees(want, o, func(r int64) bool { return r == int64(os.Getpid()) }) {
			t.Errorf("filter %d %x: Evaluate says %v, kernel: %v", n, encode(p), want, o)
		}
	}
	t.Logf("actions predicted: %v", seen)
	if len(seen) < 5 {
		t.Errorf("got %d kinds of action over the generated filters, want the test to see at least 5", len(seen))
	}
}

// TestLibseccompPolicies evaluates filters compiled by libseccomp (arch
// checks, x32 checks, 64-bit argument comparisons as high and low words)
// against a table of expectations and against the kernel.
func TestLibseccompPolicies(t *testing.T) {
	if _, err := os.Stat("/usr/include/seccomp.h"); err != nil {
		if testutil.InCI() {
			t.Fatalf("libseccomp-dev missing under CI (scripts/deps.sh installs it): %v", err)
		}
		t.Skipf("skipping test: libseccomp-dev unavailable: %v", err)
	}
	dir := t.TempDir()
	testutil.Run(t, dir, buildC(t, "policies.c", "policies", "-lseccomp"), dir)
	oracle := buildC(t, "oracle.c", "oracle")
	const flags = 0x100022 // MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
	mmap := func(addr, size, prot, fd uint64) Call {
		return Call{Nr: SysMmap, Args: [6]uint64{addr, size, prot, flags, fd, 0}}
	}
	calls := map[string]Call{
		"mmap rw":             mmap(0x7e0000000000, 0x3000, 3, ^uint64(0)),
		"mmap rx":             mmap(0x7e0000000000, 0x3000, 5, ^uint64(0)),
		"mmap rwx":            mmap(0x7e0000000000, 0x3000, 7, ^uint64(0)),
		"mmap high":           mmap(0x7e0000002000, 0x1000, 3, ^uint64(0)),
		"mmap fd":             mmap(0x7e0000000000, 0x1000, 1, 3),
		"mprotect rx":         {Nr: SysMprotect, Args: [6]uint64{0x7e0000000000, 0x2000, 5}},
		"mprotect r high":     {Nr: SysMprotect, Args: [6]uint64{0x7e0000001000, 0x1000, 1}},
		"munmap small":        {Nr: SysMunmap, Args: [6]uint64{0x7e0000000000, 0x1000}},
		"munmap":              {Nr: SysMunmap, Args: [6]uint64{0x7e0000000000, 0x3000}},
		"getppid 6":           {Nr: syscall.SYS_GETPPID, Args: [6]uint64{6}},
		"getppid 0x100000000": {Nr: syscall.SYS_GETPPID, Args: [6]uint64{1 << 32}},
	}
	want := map[string]map[string]Action{
		"mdwe":       {"mmap rwx": KillProcess, "mprotect rx": KillProcess, "mmap rx": Allow, "mmap rw": Allow},
		"errno-exec": {"mmap rx": Errno | 1001, "mmap rwx": Errno | 1001, "mmap rw": Allow, "mprotect rx": Allow},
		"allowlist": {"mmap rw": Allow, "mmap rx": KillProcess, "mmap fd": KillProcess,
			"mprotect rx": KillProcess, "mprotect r high": Allow, "munmap": Allow},
		"ranges": {"munmap small": Trap, "munmap": Allow, "mmap high": Errno | 1002, "mmap rw": Allow,
			"mprotect r high": Errno | 1003, "mprotect rx": Allow},
		"log": {"getppid 6": KillThread, "getppid 0x100000000": KillThread, "mmap rwx": Log},
	}
	for policy, exp := range want {
		b, err := os.ReadFile(filepath.Join(dir, policy+".bpf"))
		if err != nil {
			t.Fatal(err)
		}
		filters := [][]Insn{decode(b)}
		for name, c := range calls {
			o := ask(t, oracle, filepath.Join(dir, policy+".bpf"), c)
			c.IP = o.ip
			got, err := Evaluate(filters, c.Data())
			if err != nil {
				t.Fatalf("%s: %v", policy, err)
			}
			if w, ok := exp[name]; ok && got != w {
				t.Errorf("%s, %s: got %v, want %v", policy, c, got, w)
			}
			notOurs := func(r int64) bool { return r > -1001 || r < -1003 }
			if !agrees(got, o, notOurs) {
				t.Errorf("%s, %s: Evaluate says %v, kernel: %v", policy, c, got, o)
			}
		}
	}
}
