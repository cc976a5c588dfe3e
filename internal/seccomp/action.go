package seccomp

import "fmt"

// Action is the value a seccomp filter returns: an action in the high 16
// bits and data (an errno, a SIGSYS si_errno, a tracer message) in the
// low 16 (include/uapi/linux/seccomp.h).
type Action uint32

// The actions, most severe first: with several filters the kernel keeps
// the result whose action, as a signed 32-bit value, is lowest
// (seccomp_run_filters).
const (
	KillProcess Action = 0x80000000
	KillThread  Action = 0x00000000
	Trap        Action = 0x00030000
	Errno       Action = 0x00050000
	UserNotif   Action = 0x7fc00000
	Trace       Action = 0x7ff00000
	Log         Action = 0x7ffc0000
	Allow       Action = 0x7fff0000
)

const (
	actionMask = 0xffff0000 // SECCOMP_RET_ACTION_FULL
	dataMask   = 0x0000ffff // SECCOMP_RET_DATA
	maxErrno   = 4095       // MAX_ERRNO: larger ERRNO data is capped
)

// Kind returns the action without its data.
func (a Action) Kind() Action { return a & actionMask }

// Data returns the low 16 bits: the errno of Errno, the si_errno of Trap.
func (a Action) Data() uint16 { return uint16(a & dataMask) }

// Effective returns the kind the kernel acts on: an unknown action falls
// to the default case of __seccomp_filter, which kills the process.
func (a Action) Effective() Action {
	switch k := a.Kind(); k {
	case KillProcess, KillThread, Trap, Errno, UserNotif, Trace, Log, Allow:
		return k
	}
	return KillProcess
}

// Allowed reports whether the system call runs: SECCOMP_RET_ALLOW, or
// SECCOMP_RET_LOG, which logs it and lets it run.
func (a Action) Allowed() bool {
	k := a.Effective()
	return k == Allow || k == Log
}

// moreSevere reports whether a takes precedence over b
// (ACTION_ONLY(a) < ACTION_ONLY(b) in seccomp_run_filters).
func (a Action) moreSevere(b Action) bool {
	return int32(a.Kind()) < int32(b.Kind())
}

var actionNames = map[Action]string{
	KillProcess: "SECCOMP_RET_KILL_PROCESS",
	KillThread:  "SECCOMP_RET_KILL_THREAD",
	Trap:        "SECCOMP_RET_TRAP",
	Errno:       "SECCOMP_RET_ERRNO",
	UserNotif:   "SECCOMP_RET_USER_NOTIF",
	Trace:       "SECCOMP_RET_TRACE",
	Log:         "SECCOMP_RET_LOG",
	Allow:       "SECCOMP_RET_ALLOW",
}

// String names the action as the kernel headers do, with the errno of an
// Errno action: "SECCOMP_RET_ERRNO(EPERM)".
func (a Action) String() string {
	name, ok := actionNames[a.Kind()]
	switch {
	case !ok:
		return fmt.Sprintf("unknown action %#08x, which the kernel treats as SECCOMP_RET_KILL_PROCESS", uint32(a))
	case a.Kind() == Errno:
		return fmt.Sprintf("%s(%s)", name, errnoName(min(a.Data(), maxErrno)))
	}
	return name
}

// verb says what happens to a call the action applies to, after "would".
func (a Action) verb() string {
	switch a.Effective() {
	case KillProcess, KillThread:
		return "be killed by"
	case Trap:
		return "raise SIGSYS under"
	case Errno:
		return fmt.Sprintf("fail with %s under", errnoName(min(a.Data(), maxErrno)))
	case UserNotif:
		return "be handed to a user-space supervisor by"
	case Trace:
		return "fail with ENOSYS (no seccomp tracer) under"
	}
	return "run under"
}

// errnoNames are the errnos filters commonly return (asm-generic/errno-base.h, errno.h).
var errnoNames = map[uint16]string{
	1: "EPERM", 2: "ENOENT", 4: "EINTR", 5: "EIO", 9: "EBADF", 11: "EAGAIN", 12: "ENOMEM",
	13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 22: "EINVAL", 38: "ENOSYS",
	95: "EOPNOTSUPP",
}

func errnoName(e uint16) string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return fmt.Sprintf("errno %d", e)
}
