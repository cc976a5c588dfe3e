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
package ptrace
