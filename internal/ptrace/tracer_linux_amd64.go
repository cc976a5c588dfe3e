package ptrace

import (
	"os"
	"os/signal"
	"runtime"

	"golang.org/x/sys/unix"
)

// tracerNice is the nice value of a tracer thread: waking a stopped or
// sleeping tracee would otherwise often preempt us, every PTRACE_INTERRUPT
// and PTRACE_CONT then costs two context switches, and the target stays
// stopped for them. It needs CAP_SYS_NICE; without it the thread runs at
// the usual priority.
const tracerNice = -20

// maxSpares is how many tracer goroutines Prestart keeps waiting.
const maxSpares = 1

// startReq hands a Process to a tracer goroutine.
type startReq struct {
	p       *Process
	stopped bool // SeizeStopped
	// attach, when set, takes the place of the seize (CatchExec); it
	// leaves the process stopped.
	attach  func(*Process) error
	started chan error
}

// spares holds tracer goroutines waiting for a Process.
var spares = make(chan chan startReq, maxSpares)

// Prestart starts a tracer goroutine ahead of need, locked to its own OS
// thread and ready, so that the next Seize or SeizeStopped does not wait
// for one; SeizeStopped starts the next spare once it is done. It does
// nothing when one is waiting already.
func Prestart() {
	ch := make(chan startReq)
	select {
	case spares <- ch:
		go runTracer(ch, startReq{})
	default:
	}
}

// start runs p's tracer goroutine, a spare if one is waiting, and waits
// for the attach.
func start(pid int, stopped bool) (*Process, error) {
	req := startReq{p: newProcess(pid), stopped: stopped, started: make(chan error)}
	select {
	case ch := <-spares:
		ch <- req
		defer Prestart()
	default:
		go runTracer(nil, req)
	}
	if err := <-req.started; err != nil {
		return nil, err
	}
	return req.p, nil
}

// runTracer is a tracer goroutine: it locks its OS thread for good (when
// it returns the thread exits, which detaches whatever the kernel still
// has attached to it), then serves req, or the request sent on ch.
func runTracer(ch <-chan startReq, req startReq) {
	runtime.LockOSThread()
	tid := unix.Gettid()
	// The raw getpriority returns 20 - nice (kernel sys_getpriority).
	if prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid); err == nil {
		// If this is the main thread, it outlives us (the runtime parks
		// it): give it its own priority back.
		defer unix.Setpriority(unix.PRIO_PROCESS, tid, 20-prio)
	}
	unix.Setpriority(unix.PRIO_PROCESS, tid, tracerNice)
	sigchld := make(chan os.Signal, 1)
	signal.Notify(sigchld, unix.SIGCHLD)
	if ch != nil {
		req = <-ch
	}
	req.p.tracerTid, req.p.sigchld = tid, sigchld
	req.p.loop(req)
}
