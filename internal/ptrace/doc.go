// Package ptrace is the tracer of libcare-ctl: it seizes every thread of a
// target process, stops and resumes them, reads and writes the target's
// memory, and runs code in the target (remote syscalls and function
// calls). It is the only package that issues PTRACE_* requests.
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
// # Our death
//
// The tracer may die at any instant (SIGKILL, OOM). When it does, the
// kernel detaches its tracees (exit_ptrace, __ptrace_unlink): it clears
// syscall tracing and pending interrupts and wakes every stopped thread,
// a group-stopped one back into its group-stop; a thread in a
// signal-delivery-stop gets its signal, one in a syscall-stop gets nothing
// (the stop's code SIGTRAP|0x80, sent on wake-up, is no valid signal:
// hence PTRACE_O_TRACESYSGOOD). It does not undo single-stepping or debug
// registers, so neither is used, nor PTRACE_O_EXITKILL. What must be
// avoided is state in the target that needs us: an int3 in its text, or
// registers that make no sense without us. RunToBreakpoint is the one
// exception, for the server (see there).
//
// # Remote code
//
// Syscall and Call run code on one stopped thread without writing a byte
// of the target's text, through two sequences its own code already has
// (gadgets, found once per process, libc first): `syscall; ret` (glibc's
// getpid and most syscall wrappers) and `mov $15,%rax; syscall`, that is
// rt_sigreturn (glibc's __restore_rt). Before it touches a register, the
// tracer writes below the thread's red zone a real x86_64 signal frame
// (struct rt_sigframe) whose ucontext holds the thread's context: all
// registers, the FPU state read with NT_X86_XSTATE laid out as the kernel
// saves it (software bytes, FP_XSTATE_MAGIC2, UC_FP_XSTATE), the blocked
// signals, and a uc_stack whose invalid mode makes rt_sigreturn leave the
// sigaltstack alone. The frame's return slot holds __restore_rt. A
// syscall then starts on the `syscall; ret` gadget with rsp on the frame;
// a call starts on the function with the gadget as its return address,
// right below the frame. If we die at any point, the thread finishes the
// syscall (or the function, whose result then becomes the gadget's
// syscall number: the low 32 bits of a code address are no system call,
// so it gets ENOSYS; a result below ~460 would run that call with the
// registers the function left), returns into __restore_rt, and
// rt_sigreturn restores its exact context. The frame writes go through
// process_vm_writev, which fails on a guard page, so the kernel can read
// the frame back.
//
// rt_sigreturn disables the kernel's restart logic (orig_rax -1,
// restart_block.fn do_no_restart_syscall), so the frame holds the context
// a thread stopped on its way out of an interrupted call would take with
// no handler: on the syscall instruction again, rax the call. A sleep
// interrupted with -ERESTART_RESTARTBLOCK is started again whole instead
// of continued (restart_syscall would return EINTR after rt_sigreturn),
// and an already restarted one (restart_syscall) does return EINTR:
// Syscall prefers a thread stopped in user code, then one in an ordinary
// call, and takes such a thread only when there is no other. The same
// holds for a thread interrupted in ppoll, pselect6, epoll_pwait or
// rt_sigsuspend, whose own signal mask the kernel restores only on its way
// out: the frame gets it once the thread passes there, at the gadget's
// syscall-entry-stop.
//
// The tracer runs the code with PTRACE_SYSCALL to the gadget's
// syscall-entry-stop (for a call, the function's result is in orig_rax;
// the syscall is replaced by getpid, because seccomp filters run after
// that stop and would judge -1 as an unknown call), then PTRACE_INTERRUPT
// and PTRACE_CONT take the thread through the call to a stop inside
// get_signal (the interrupt is checked before any signal). There its FPU
// state and registers go back: the thread is in the same kind of stop as
// before, and the kernel's own restart logic and signal delivery apply
// when it goes on, as if we had never been there. A remote syscall thus
// runs with an interrupt pending: one that sleeps interruptibly returns
// EINTR (mmap, mprotect and munmap only notice fatal signals). A fault or
// trap in our code is reported and never delivered. Seccomp filters see
// every remote call at SyscallSite; SeccompFilters reads them.
//
// Remote code refuses to run (ErrNoSafeGadget) on a process with no such
// gadgets (a static binary without libc) and on a thread with a user
// shadow stack (its `ret`s and rt_sigreturn would not match it): writing
// a stub into the text, as LibcarePlus does, would put the target at the
// mercy of our death.
//
// # Signals
//
// No signal is consumed, changed or sent by the tracer. A thread that
// reports a signal-delivery-stop while we stop it gets the signal
// delivered with its original siginfo right away, and is held at its
// handler's first instruction (PTRACE_INTERRUPT, then PTRACE_CONT with
// the signal: the kernel checks the interrupt before any other signal);
// the handler runs when the process resumes. It is not held in the
// signal-delivery-stop itself: a wait that consumes such a stop clears
// the thread's exit code (kernel/exit.c wait_task_stopped), and a thread
// woken by our death takes that exit code as its signal, so the signal
// would be lost if we died. Signal-delivery-stops are therefore only
// peeked at (waitid WNOWAIT) until the thread is resumed with its signal,
// or, for a fault our own code raised, consumed on purpose. Signals that
// arrive while a thread is stopped stay pending in the kernel. A signal
// dequeued when remote code starts goes to the thread's own context the
// same way before the code runs again. While the target runs, its signals
// are passed on. Each stop interrupts blocked calls; those that do not
// restart (epoll_wait, sigtimedwait, recv with SO_RCVTIMEO) return EINTR
// to the program, so stops are kept few.
//
// # Test hook
//
// Built with the golibcare_testhook tag (TestHookTag), a program using
// this package SIGKILLs itself right after its N-th ptrace request when
// GOLIBCARE_TEST_KILL_AFTER_PTRACE=N (TestKillAfterEnv), and keeps the
// number of requests made so far in the file named by
// GOLIBCARE_TEST_PTRACE_COUNT_FILE (TestCountFileEnv). Every request goes
// through ptraceRaw or ptracePtr, which count it. Without the tag neither
// the code nor the variables' lookup is in the binary.
// testutil.HookedTool builds a command with the tag.
package ptrace
