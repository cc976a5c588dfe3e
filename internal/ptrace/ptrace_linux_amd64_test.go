package ptrace_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"github.com/golibcare/golibcare/internal/ptrace"
	"github.com/golibcare/golibcare/internal/testutil"
	"golang.org/x/sys/unix"
)

// counters reads the fixture's counters array (address from its ready line).
func counters(t *testing.T, p *ptrace.Process, out *testutil.Output, n int) []uint64 {
	t.Helper()
	m := regexp.MustCompile(`counters=0x([0-9a-f]+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no counters address in %q", out.String())
	}
	addr, _ := strconv.ParseUint(m[1], 16, 64)
	b := make([]byte, 8*n)
	if _, err := p.ReadAt(b, int64(addr)); err != nil {
		t.Fatalf("read counters: %v", err)
	}
	c := make([]uint64, n)
	for i := range c {
		c[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return c
}

// allAdvance waits until every counter has moved past base.
func allAdvance(t *testing.T, what string, base []uint64, read func() []uint64) {
	t.Helper()
	waitUntil(t, what, func() bool {
		now := read()
		for i := range base {
			if now[i] <= base[i] {
				return false
			}
		}
		return true
	})
}

func TestSeizeStopResumeDetach(t *testing.T) {
	for _, n := range []int{1, 8} {
		t.Run(fmt.Sprintf("%d workers", n), func(t *testing.T) {
			pid, out := target(t, "target", strconv.Itoa(n))
			p := seize(t, pid)
			read := func() []uint64 { return counters(t, p, out, n) }
			if got := len(p.Tids()); got != n+1 {
				t.Fatalf("got %d threads, want %d", got, n+1)
			}
			allAdvance(t, "counters while seized", read(), read)

			if err := p.Stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			for tid, s := range taskStates(t, pid) {
				if s.State != "t" {
					t.Errorf("thread %d: got state %s, want t (tracing stop)", tid, s.State)
				}
				if _, err := p.Regs(tid); err != nil {
					t.Errorf("regs of stopped thread: %v", err)
				}
			}
			frozen := read()
			time.Sleep(30 * time.Millisecond) // nothing may move meanwhile
			if got := read(); !slices.Equal(got, frozen) {
				t.Errorf("got counters %v while stopped, want %v", got, frozen)
			}

			if err := p.Resume(); err != nil {
				t.Fatalf("resume: %v", err)
			}
			allAdvance(t, "counters after resume", frozen, read)
			if _, err := p.Regs(pid); err == nil {
				t.Errorf("got registers of a running thread, want an error")
			}

			if err := p.Detach(); err != nil {
				t.Fatalf("detach: %v", err)
			}
			if err := p.Detach(); err != nil {
				t.Errorf("second detach: got %v, want nil", err)
			}
			assertNotTraced(t, pid)
			before := strings.Count(out.String(), "value=")
			waitUntil(t, "output after detach", func() bool { return strings.Count(out.String(), "value=") > before+2 })
			if err := p.Stop(); !errors.Is(err, ptrace.ErrDetached) {
				t.Errorf("stop after detach: got %v, want ErrDetached", err)
			}
			if _, err := p.ReadAt(make([]byte, 8), int64(pid)); !errors.Is(err, ptrace.ErrDetached) {
				t.Errorf("read after detach: got %v, want ErrDetached", err)
			}
		})
	}
}

func TestStopCatchesNewThreads(t *testing.T) {
	pid, out := target(t, "spawner")
	p := seize(t, pid)
	for round := range 5 {
		if err := p.Stop(); err != nil {
			t.Fatalf("round %d: stop: %v", round, err)
		}
		known := p.Tids()
		for tid, s := range taskStates(t, pid) {
			if !slices.Contains(known, tid) {
				t.Errorf("round %d: thread %d not caught (known %v)", round, tid, known)
			}
			if s.State != "t" && s.State != "Z" && s.State != "X" {
				t.Errorf("round %d: thread %d: got state %s, want t", round, tid, s.State)
			}
		}
		if err := p.Resume(); err != nil {
			t.Fatalf("round %d: resume: %v", round, err)
		}
		time.Sleep(20 * time.Millisecond) // let threads be born traced
	}
	if err := p.Detach(); err != nil {
		t.Fatalf("detach: %v", err)
	}
	assertNotTraced(t, pid)
	n := out.Len()
	waitUntil(t, "spawning after detach", func() bool { return strings.Contains(out.String()[n:], "spawned") })
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		name  string
		write func(p *ptrace.Process, b []byte, addr int64) (int, error)
	}{
		{"proc mem", (*ptrace.Process).WriteAt},
		{"pokedata", (*ptrace.Process).Poke},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, out := target(t, "target")
			fn := int64(symbol(t, pid, fixture(t, "target"), "value"))
			p := seize(t, pid)
			orig := make([]byte, 6)
			if _, err := p.ReadAt(orig, fn); err != nil {
				t.Fatal(err)
			}
			ret42 := []byte{0xb8, 42, 0, 0, 0, 0xc3} // mov $42, %eax; ret
			for _, step := range []struct {
				code []byte
				want string
			}{{ret42, "value=42 "}, {orig, "value=1 "}} {
				if err := p.Stop(); err != nil {
					t.Fatal(err)
				}
				if n, err := tt.write(p, step.code, fn); err != nil || n != len(step.code) {
					t.Fatalf("write r-x text: got %d, %v, want %d bytes written", n, err, len(step.code))
				}
				n := out.Len()
				if err := p.Resume(); err != nil {
					t.Fatal(err)
				}
				waitUntil(t, step.want, func() bool { return strings.Contains(out.String()[n:], step.want) })
			}
			got := make([]byte, 6)
			if _, err := p.ReadAt(got, fn); err != nil || !bytes.Equal(got, orig) {
				t.Errorf("got text % x, %v, want % x", got, err, orig)
			}
			if _, err := p.ReadAt(got, 8); err == nil {
				t.Errorf("read of unmapped address 0x8: got no error, want one")
			}
		})
	}
}

func TestSyscallMmap(t *testing.T) {
	pid, _ := target(t, "target", "2")
	_, stub := libc(t, pid)
	p := seize(t, pid)
	if _, err := p.Syscall(stub, unix.SYS_GETPID); err == nil {
		t.Errorf("syscall on a running process: got no error, want one")
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	regs, _ := p.Regs(pid)
	code := make([]byte, 3)
	p.ReadAt(code, int64(stub))

	addr, err := p.Syscall(stub, unix.SYS_MMAP, 0, 8192, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
	if err != nil {
		t.Fatalf("remote mmap: %v", err)
	}
	if m := findMapping(t, pid, addr); m == nil || m.Perms != "rw-p" || m.End-addr < 8192 {
		t.Fatalf("got mapping %+v at %#x, want rw-p of 8192 bytes", m, addr)
	}
	msg := []byte("hello from the tracer")
	if _, err := p.WriteAt(msg, int64(addr)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := p.ReadAt(got, int64(addr)); err != nil || !bytes.Equal(got, msg) {
		t.Errorf("got %q, %v, want %q", got, err, msg)
	}
	if _, err := p.Syscall(stub, unix.SYS_MUNMAP, addr, 8192); err != nil {
		t.Fatalf("remote munmap: %v", err)
	}
	if m := findMapping(t, pid, addr); m != nil {
		t.Errorf("got mapping %+v after munmap, want none", m)
	}
	_, err = p.Syscall(stub, unix.SYS_MUNMAP, 1, 4096)
	if !errors.Is(err, unix.EINVAL) {
		t.Errorf("munmap(1): got %v, want EINVAL", err)
	}
	after, _ := p.Regs(pid)
	if *after != *regs {
		t.Errorf("got registers %+v after remote syscalls, want %+v", after, regs)
	}
	now := make([]byte, 3)
	if p.ReadAt(now, int64(stub)); !bytes.Equal(now, code) {
		t.Errorf("got stub bytes % x, want % x restored", now, code)
	}
}

func findMapping(t *testing.T, pid int, addr uint64) *procfs.Mapping {
	for _, m := range readMaps(t, pid) {
		if m.Start <= addr && addr < m.End {
			return &m
		}
	}
	return nil
}

func TestCall(t *testing.T) {
	pid, out := target(t, "target", "1")
	libcPath, stub := libc(t, pid)
	getpid := symbol(t, pid, libcPath, "getpid")
	add := symbol(t, pid, fixture(t, "target"), "add")
	p := seize(t, pid)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		fn   uint64
		args []uint64
		want uint64
	}{
		{"getpid", getpid, nil, uint64(pid)},
		{"add", add, []uint64{40, 2}, 42},
		{"add negative", add, []uint64{5, ^uint64(6)}, ^uint64(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Call(stub, tt.fn, tt.args...)
			if err != nil || got != tt.want {
				t.Errorf("got %#x, %v, want %#x", got, err, tt.want)
			}
		})
	}
	// A call that faults is our fault: reported, and not delivered to the
	// program, which goes on after Resume.
	if _, err := p.Call(stub, 0); err == nil || !strings.Contains(err.Error(), "segmentation fault") {
		t.Errorf("call of address 0: got %v, want an error naming the segmentation fault", err)
	}
	if got, err := p.Call(stub, add, 1, 2); err != nil || got != 3 {
		t.Errorf("call after a fault: got %d, %v, want 3", got, err)
	}
	n := out.Len()
	if err := p.Resume(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "output after calls", func() bool { return strings.Count(out.String()[n:], "value=1") >= 2 })
}
