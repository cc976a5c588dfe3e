// Package ptrace is the tracer of libcare-ctl: it seizes every thread of a
// target process, stops and resumes them, reads and writes the target's
// memory, and runs code in the target (remote syscalls, function calls,
// run-until-breakpoint). It is the only package that issues PTRACE_*
// requests.
//
// Each Process owns one goroutine that calls runtime.LockOSThread and never
// unlocks: the kernel ties a tracee to the tracer *thread*, so every ptrace
// and wait4 call for that target must come from that thread (delve
// native/proc.go, gvisor subprocess.go). Methods send closures to it with
// p.do. When the goroutine ends, its OS thread exits and the kernel detaches
// anything still traced (kernel/ptrace.c exit_ptrace).
//
// Threads are attached with PTRACE_SEIZE, not PTRACE_ATTACH: no SIGSTOP is
// sent, the target keeps running, and group-stops (SIGSTOP from someone
// else) are told apart from our own PTRACE_INTERRUPT stops (ptrace(2),
// "Group-stop"). PTRACE_O_TRACECLONE makes the kernel attach threads created
// later.
//
// The time the target spends stopped is kept short: the tracer thread runs
// at nice -20 so that waking a tracee does not preempt it, Stop interrupts
// every thread before it waits for any and collects the stops with
// wait4(-1, __WNOTHREAD) polled with sched_yield before it sleeps, Resume
// and Detach go in stop order, and Batch runs a caller's whole sequence
// (Stop, RegsAll, writes, remote calls, Detach) on the tracer thread.
// SeizeStopped interrupts each thread as soon as it is seized, on a tracer
// thread Prestart readied, for processes caught right after an exec.
//
// Remote code runs on a thread whose stop is on its way back to user space;
// a thread stopped inside a system call (a PTRACE_EVENT_CLONE stop) first
// finishes it (PTRACE_SYSCALL to its syscall-exit-stop), so that neither
// the remote call's result nor the interrupted call's is lost.
package ptrace
