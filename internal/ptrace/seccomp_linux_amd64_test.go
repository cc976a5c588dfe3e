package ptrace_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSeccompFilters reads the two filters the fixture's main thread
// installed, newest first, and none for its other thread; remote syscalls
// run where SyscallSite says and meet the filters: getpgid fails with the
// filter's EPERM on the main thread only.
func TestSeccompFilters(t *testing.T) {
	pid, _ := target(t, "seccomp")
	p := seize(t, pid)
	if _, err := p.SeccompFilters(pid); err == nil {
		t.Errorf("filters of a running thread: got no error")
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	allow := unix.SockFilter{Code: unix.BPF_RET | unix.BPF_K, K: 0x7fff0000}
	want := [][]unix.SockFilter{
		{
			{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0},
			{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.SYS_GETPGID},
			{Code: unix.BPF_RET | unix.BPF_K, K: 0x50000 | uint32(unix.EPERM)},
			allow,
		},
		{allow},
	}
	got, err := p.SeccompFilters(pid)
	if err != nil || !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("main thread: got filters %v, %v, want %v", got, err, want)
	}
	other := slices.DeleteFunc(p.Tids(), func(tid int) bool { return tid == pid })[0]
	if got, err := p.SeccompFilters(other); err != nil || got != nil {
		t.Errorf("thread without filters: got %v, %v, want none", got, err)
	}
	site, err := p.SyscallSite()
	if err != nil {
		t.Fatal(err)
	}
	code := make([]byte, 3)
	if _, err := p.ReadAt(code, int64(site-2)); err != nil || !bytes.Equal(code, []byte{0x0f, 0x05, 0xc3}) {
		t.Errorf("got % x, %v before the syscall site %#x, want syscall; ret", code, err, site)
	}
	if _, err := p.SyscallOn(pid, 0, unix.SYS_GETPGID, 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("remote getpgid on the filtered thread: got %v, want EPERM", err)
	}
	if _, err := p.SyscallOn(other, 0, unix.SYS_GETPGID, 0); err != nil {
		t.Errorf("remote getpgid on the other thread: %v", err)
	}
}
