package ptrace_test

import (
	"testing"

	"github.com/golibcare/golibcare/internal/ptrace"
	"golang.org/x/sys/unix"
)

// startBench starts the 8-worker target, seizes it and returns the process
// and a stub address in libc.
func startBench(b *testing.B) (*ptrace.Process, uint64) {
	pid, _ := target(b, "target", "8")
	_, stub := libc(b, pid)
	return seize(b, pid), stub
}

// BenchmarkStopResume measures one stop of all 9 threads of the target and
// the resume after it: the floor of libcare-ctl's frozen time.
func BenchmarkStopResume(b *testing.B) {
	p, _ := startBench(b)
	for b.Loop() {
		if err := p.Stop(); err != nil {
			b.Fatal(err)
		}
		if err := p.Resume(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSyscall measures one remote getpid on a stopped target.
func BenchmarkSyscall(b *testing.B) {
	p, stub := startBench(b)
	if err := p.Stop(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Syscall(stub, unix.SYS_GETPID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStopSyscallResume measures a stop of all 9 threads around one
// remote mmap and munmap: about what the target sees of a remote call.
func BenchmarkStopSyscallResume(b *testing.B) {
	p, stub := startBench(b)
	for b.Loop() {
		if err := p.Stop(); err != nil {
			b.Fatal(err)
		}
		addr, err := p.Syscall(stub, unix.SYS_MMAP, 0, 4096, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Syscall(stub, unix.SYS_MUNMAP, addr, 4096); err != nil {
			b.Fatal(err)
		}
		if err := p.Resume(); err != nil {
			b.Fatal(err)
		}
	}
}
