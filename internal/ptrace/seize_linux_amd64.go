package ptrace

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golibcare/golibcare/internal/procfs"
	"golang.org/x/sys/unix"
)

// maxSeizeRounds bounds the re-listing of /proc/pid/task: each round seizes
// the threads created before the previous one, and threads created by
// seized threads are attached by the kernel, so a few rounds suffice even
// for a process that spawns threads all the time (upstream uses 3).
const maxSeizeRounds = 20

// maxExitingPolls bounds the 1 ms polls for a thread that refuses to be
// seized because it is exiting; exit takes microseconds.
const maxExitingPolls = 50

// attach seizes every thread and opens /proc/pid/mem; on error it leaves
// nothing attached. Must be called via p.do.
func (p *Process) attach(stop bool) error {
	if p.pid <= 0 {
		return p.errorf("seize", 0, 0, fmt.Errorf("invalid pid: %w", unix.ESRCH))
	}
	err := p.seizeAll(stop)
	if err == nil {
		err = p.openMem()
	}
	if err != nil {
		p.detachLocked()
	}
	return err
}

// attachStopped seizes the leader and interrupts it at once, then every
// other thread the same way, and waits until all are stopped; on error it
// leaves nothing attached. Must be called via p.do.
func (p *Process) attachStopped() error {
	if p.pid > 0 && seize(p.pid) == nil {
		interrupt(p.pid)
		p.threads[p.pid] = &thread{tid: p.pid}
	}
	err := p.attach(true)
	if err == nil {
		p.running = false
		err = p.waitAll(time.Now().Add(stopTimeout))
	}
	if err != nil {
		p.detachLocked()
	}
	return err
}

// openMem opens the memory of the process through a live thread: the file
// pins the address space (kernel proc_mem_open), while /proc/pid/mem of a
// leader that called pthread_exit shows none. Must be called via p.do.
func (p *Process) openMem() error {
	tid := p.pid
	if _, ok := p.threads[tid]; !ok {
		tid = p.tidsLocked()[0]
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/%d/task/%d/mem", p.pid, tid), os.O_RDWR, 0)
	if err != nil {
		return p.errorf("open memory", tid, 0, err)
	}
	p.mem = f
	return nil
}

// seizeAll seizes the threads of /proc/pid/task until a listing brings no
// new one, interrupting each at once if stop is set. Must be called via
// p.do.
func (p *Process) seizeAll(stop bool) error {
	for range maxSeizeRounds {
		tids, err := procfs.Tasks(p.pid)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return p.errorf("seize", 0, 0, unix.ESRCH)
			}
			return p.errorf("seize", 0, 0, err)
		}
		added := 0
		for _, tid := range tids {
			if _, ok := p.threads[tid]; ok {
				continue
			}
			ok, err := p.seizeThread(tid)
			if err != nil {
				return err
			}
			if ok {
				if stop {
					interrupt(tid)
				}
				p.threads[tid] = &thread{tid: tid}
				added++
			}
		}
		if len(p.threads) == 0 {
			return p.errorf("seize", 0, 0, unix.ESRCH)
		}
		if added == 0 {
			return nil
		}
	}
	return p.errorf("seize", 0, 0, fmt.Errorf("threads keep appearing after %d rounds", maxSeizeRounds))
}

// seizeThread seizes one thread; ok is false when it exited meanwhile.
// Must be called via p.do.
func (p *Process) seizeThread(tid int) (ok bool, err error) {
	err = seize(tid)
	switch {
	case err == nil:
		return true, nil
	case isZombie(tid):
		// An exited thread whose group lives on (a leader that called
		// pthread_exit): it runs no code and cannot be traced.
		return false, nil
	case errors.Is(err, unix.ESRCH) && tid != p.pid:
		return false, nil
	case errors.Is(err, unix.EPERM):
		return p.seizeRefused(tid, err)
	default:
		return false, p.errorf("seize", tid, 0, err)
	}
}

// seizeRefused sorts out an EPERM: a thread created by a seized one is
// already ours (auto-attach; TracerPid shows the tracer thread's id), and
// a thread that is exiting refuses too (PF_EXITING, kernel ptrace_attach)
// until it is gone. Anything else is a real refusal, explained.
// Must be called via p.do.
func (p *Process) seizeRefused(tid int, err error) (bool, error) {
	for range maxExitingPolls {
		st, e := procfs.ReadStatus(tid)
		switch {
		case e != nil || st.State == "Z" || st.State == "X":
			return false, nil
		case st.TracerPid == p.tracerTid:
			return true, nil
		case tid == p.pid || st.TracerPid != 0:
			return false, p.errorf("seize", tid, 0, fmt.Errorf("%w: %s", err, p.epermCause(tid)))
		}
		time.Sleep(time.Millisecond)
		if err = seize(tid); err == nil {
			return true, nil
		} else if !errors.Is(err, unix.EPERM) {
			return false, nil
		}
	}
	return false, p.errorf("seize", tid, 0, fmt.Errorf("%w: %s", err, p.epermCause(tid)))
}

// isZombie reports whether thread tid has exited but not been reaped.
func isZombie(tid int) bool {
	st, err := procfs.ReadStatus(tid)
	return err == nil && st.State == "Z"
}

// epermCause explains why the kernel refused to attach (style rule 6,
// delve debugger_linux.go): Yama, another owner, another tracer.
func (p *Process) epermCause(tid int) string {
	var why []string
	if tid == os.Getpid() || p.pid == os.Getpid() {
		why = append(why, "cannot trace this process itself")
	}
	st, err := procfs.ReadStatus(tid)
	if err == nil && st.TracerPid != 0 {
		why = append(why, "already traced by "+DescribeTracer(st.TracerPid))
	}
	if err == nil && st.State == "Z" {
		why = append(why, "the process is a zombie")
	}
	if err == nil && st.Uid[1] != os.Geteuid() && os.Geteuid() != 0 {
		why = append(why, fmt.Sprintf("process owned by uid %d, we are uid %d", st.Uid[1], os.Geteuid()))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/yama/ptrace_scope"); err == nil {
		if v := strings.TrimSpace(string(b)); v != "0" {
			why = append(why, "kernel.yama.ptrace_scope = "+v+" "+yamaMeaning(v))
		}
	}
	if len(why) == 0 {
		why = append(why, "denied by the kernel (missing CAP_SYS_PTRACE, not dumpable, or a security module)")
	}
	return strings.Join(why, "; ")
}

// DescribeTracer names the process owning tracer thread tid.
func DescribeTracer(tid int) string {
	s := "pid " + strconv.Itoa(tid)
	if st, err := procfs.ReadStatus(tid); err == nil {
		if st.Tgid != tid {
			s = fmt.Sprintf("pid %d (thread %d)", st.Tgid, tid)
		}
		s += " (" + st.Name + ")"
	}
	return s
}

// yamaMeaning explains a kernel.yama.ptrace_scope value
// (Documentation/admin-guide/LSM/Yama.rst).
func yamaMeaning(v string) string {
	switch v {
	case "1":
		return "(only descendants may be traced; run as root or set it to 0)"
	case "2":
		return "(only CAP_SYS_PTRACE may trace; run as root)"
	case "3":
		return "(tracing disabled until reboot)"
	}
	return ""
}
