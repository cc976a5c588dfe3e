package apply

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/golibcare/golibcare/internal/seccomp"
)

// seccompFake is a fake process whose threads run under seccomp policies.
type seccompFake struct {
	*fakeProc
	modes     map[int]seccompMode
	filters   map[int][][]seccomp.Insn
	filterErr error  // what SeccompFilters fails with (EACCES: no CAP_SYS_ADMIN)
	onStop    func() // runs at each Stop: the process changed since the modes were read
	modeReads int
}

var _ seccompSource = (*seccompFake)(nil)

func newSeccompFake(t *testing.T) *seccompFake {
	return &seccompFake{fakeProc: newTarget(t), modes: map[int]seccompMode{100: {0, 0}}, filters: map[int][][]seccomp.Insn{}}
}

func (f *seccompFake) Attach() (Target, error) { f.attached = true; return f, nil }

func (f *seccompFake) Stop() error {
	if f.onStop != nil {
		f.onStop()
	}
	return f.fakeProc.Stop()
}

func (f *seccompFake) SeccompModes() (map[int]seccompMode, error) {
	f.modeReads++
	m := map[int]seccompMode{}
	for _, tid := range f.tids {
		m[tid] = f.modes[tid]
	}
	return m, nil
}

func (f *seccompFake) SeccompFilters() (map[int][][]seccomp.Insn, error) {
	switch {
	case !f.stopped:
		return nil, fmt.Errorf("fake: filters of a running thread")
	case f.filterErr != nil:
		return nil, f.filterErr
	}
	all := map[int][][]seccomp.Insn{}
	for _, tid := range f.tids {
		if f.modes[tid].mode == 2 {
			all[tid] = f.filters[tid]
		}
	}
	return all, nil
}

// setFilters puts thread tid in filter mode with fs.
func (f *seccompFake) setFilters(tid int, fs ...[]seccomp.Insn) {
	f.modes[tid] = seccompMode{2, len(fs)}
	f.filters[tid] = fs
}

// onCall returns a filter that answers act to system call nr when
// argument arg has a bit of mask set (mask 0: always), and allows the rest.
func onCall(nr int, arg int, mask uint32, act seccomp.Action) []seccomp.Insn {
	const ld = seccomp.ClassLD | seccomp.SizeW | seccomp.ModeABS
	ret := func(a seccomp.Action) seccomp.Insn { return seccomp.Stmt(seccomp.ClassRET|seccomp.RetK, uint32(a)) }
	p := []seccomp.Insn{
		seccomp.Stmt(ld, 0),
		seccomp.Jump(seccomp.ClassJMP|seccomp.OpJEQ|seccomp.SrcK, uint32(nr), 0, 3),
		seccomp.Stmt(ld, uint32(16+8*arg)),
		seccomp.Jump(seccomp.ClassJMP|seccomp.OpJSET|seccomp.SrcK, mask, 0, 1),
		ret(act),
		ret(seccomp.Allow),
	}
	if mask == 0 {
		p = append(p[:2:2], ret(act), ret(seccomp.Allow))
		p[1].Jf = 1
	}
	return p
}

var allowAll = []seccomp.Insn{seccomp.Stmt(seccomp.ClassRET|seccomp.RetK, uint32(seccomp.Allow))}

// TestSeccompPatchFake checks that a policy that would refuse a planned
// call stops Patch before any remote call, with one line naming it.
func TestSeccompPatchFake(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *seccompFake)
		want  string // "" when the patch applies
	}{
		{"no policy", func(f *seccompFake) {}, ""},
		{"allow all", func(f *seccompFake) { f.setFilters(100, allowAll) }, ""},
		{"kill mmap exec: region mapped rw", func(f *seccompFake) {
			f.setFilters(100, onCall(_SYS_mmap, 2, _PROT_EXEC, seccomp.KillProcess))
		}, ""},
		{"kill mprotect exec", func(f *seccompFake) {
			f.setFilters(100, allowAll, onCall(_SYS_mprotect, 2, _PROT_EXEC, seccomp.KillProcess))
		}, "pid 100: mprotect(?, 0x2000, PROT_READ|PROT_EXEC) would be killed by the process's seccomp filter (SECCOMP_RET_KILL_PROCESS)"},
		{"errno munmap: no rollback", func(f *seccompFake) {
			f.setFilters(100, onCall(_SYS_munmap, 0, 0, seccomp.Errno|1))
		}, "pid 100: munmap(?, 0x3000) would fail with EPERM under the process's seccomp filter (SECCOMP_RET_ERRNO(EPERM))"},
		{"trap rt_sigreturn", func(f *seccompFake) {
			f.setFilters(100, onCall(seccomp.SysRtSigreturn, 0, 0, seccomp.Trap))
		}, "pid 100: rt_sigreturn() would raise SIGSYS under the process's seccomp filter (SECCOMP_RET_TRAP)"},
		{"strict", func(f *seccompFake) { f.modes[100] = seccompMode{1, 0} },
			"pid 100: mmap(?, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) would be killed: the process is in seccomp strict mode"},
		{"filters unreadable", func(f *seccompFake) { f.setFilters(100, allowAll); f.filterErr = unix.EACCES },
			"pid 100 runs under seccomp filters that cannot be read (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN"},
		{"no filters, ptrace cannot tell", func(f *seccompFake) { f.filterErr = unix.EACCES }, ""},
		{"filter installed after the modes were read", func(f *seccompFake) {
			f.onStop = func() { f.setFilters(100, onCall(_SYS_mmap, 0, 0, seccomp.KillThread)) }
		}, "pid 100: mmap(?, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) would be killed by the process's seccomp filter (SECCOMP_RET_KILL_THREAD)"},
		{"filter installed, ptrace cannot tell", func(f *seccompFake) {
			f.filterErr = unix.EIO
			f.onStop = func() { f.setFilters(100, allowAll) }
		}, "pid 100 runs under seccomp filters that cannot be read"},
		{"thread started after the modes were read", func(f *seccompFake) {
			f.onStop = func() {
				f.tids = []int{100, 101}
				f.setFilters(101, onCall(_SYS_munmap, 0, 0, seccomp.KillProcess))
			}
		}, "pid 100 thread 101: munmap(?, 0x3000) would be killed"},
		{"fewer filters than /proc shows", func(f *seccompFake) {
			f.setFilters(100, allowAll)
			f.modes[100] = seccompMode{2, 2}
		}, "pid 100: read 1 seccomp filters, /proc shows 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newSeccompFake(t)
			tc.setup(f)
			orig := f.read(progBase, imgSize)
			nmaps := len(f.maps)
			res, err := Patch(f, testPatch(t, "0001", allRelocs), Options{})
			if tc.want == "" {
				if err != nil || res.Count != 1 {
					t.Fatalf("got %v, %v, want the patch applied", res, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line containing %q", err, tc.want)
			}
			if len(f.calls) != 0 {
				t.Errorf("got remote calls %q, want none", f.calls)
			}
			if got := f.read(progBase, imgSize); !bytes.Equal(got, orig) || len(f.maps) != nmaps || f.stopped || f.attached {
				t.Errorf("target changed by a refused patch: maps %+v stopped %v attached %v", f.maps, f.stopped, f.attached)
			}
		})
	}
}

// TestSeccompModesReadOnce: with the modes read while the target ran and
// PTRACE_SECCOMP_GET_FILTER to confirm them, the stops read no /proc file.
func TestSeccompModesReadOnce(t *testing.T) {
	f := newSeccompFake(t)
	f.setFilters(100, allowAll)
	if _, err := Patch(f, testPatch(t, "0001", allRelocs), Options{}); err != nil {
		t.Fatal(err)
	}
	if f.modeReads != 1 {
		t.Errorf("got %d reads of the modes, want 1 (before the stop)", f.modeReads)
	}
}

// TestSeccompUnpatchFake: unpatch is refused before it restores a byte
// when the process would not let the region be unmapped.
func TestSeccompUnpatchFake(t *testing.T) {
	f := newSeccompFake(t)
	applyTest(t, f.fakeProc, testPatch(t, "0001", allRelocs))
	patched := f.read(progBase, imgSize)
	f.calls = nil
	f.setFilters(100, onCall(_SYS_munmap, 0, 0, seccomp.KillProcess))
	_, err := Unpatch(f, "", nil, Options{})
	want := "pid 100: munmap(0x"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "would be killed") {
		t.Fatalf("got %v, want an error containing %q", err, want)
	}
	if got := f.read(progBase, imgSize); !bytes.Equal(got, patched) || len(f.calls) != 0 || f.attached {
		t.Errorf("target changed by a refused unpatch (calls %q)", f.calls)
	}
	f.setFilters(100, allowAll)
	if res, err := Unpatch(f, "", nil, Options{}); err != nil || res.Count != 1 {
		t.Errorf("got %v, %v, want the patch removed once munmap is allowed", res, err)
	}
}
