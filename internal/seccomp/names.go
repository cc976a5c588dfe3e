package seccomp

import (
	"fmt"
	"strings"
)

// x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
const (
	SysRead        = 0
	SysWrite       = 1
	SysMmap        = 9
	SysMprotect    = 10
	SysMunmap      = 11
	SysRtSigreturn = 15
	SysExit        = 60
)

// sysInfo names a system call and its arguments' formats.
type sysInfo struct {
	name string
	args []argFormat
}

type argFormat int

const (
	argHex argFormat = iota
	argInt
	argProt
	argMapFlags
)

var syscalls = map[int]sysInfo{
	SysRead:        {"read", []argFormat{argInt, argHex, argHex}},
	SysWrite:       {"write", []argFormat{argInt, argHex, argHex}},
	SysMmap:        {"mmap", []argFormat{argHex, argHex, argProt, argMapFlags, argInt, argInt}},
	SysMprotect:    {"mprotect", []argFormat{argHex, argHex, argProt}},
	SysMunmap:      {"munmap", []argFormat{argHex, argHex}},
	SysRtSigreturn: {"rt_sigreturn", nil},
	SysExit:        {"exit", []argFormat{argInt}},
	12:             {"brk", []argFormat{argHex}},
	14:             {"rt_sigprocmask", []argFormat{argInt, argHex, argHex, argHex}},
	25:             {"mremap", []argFormat{argHex, argHex, argHex, argHex, argHex}},
	28:             {"madvise", []argFormat{argHex, argHex, argInt}},
	39:             {"getpid", nil},
	158:            {"arch_prctl", []argFormat{argHex, argHex}},
	186:            {"gettid", nil},
	231:            {"exit_group", []argFormat{argInt}},
	234:            {"tgkill", []argFormat{argInt, argInt, argInt}},
}

// SyscallName returns the x86_64 name of system call nr, or "syscall N".
func SyscallName(nr int) string {
	if s, ok := syscalls[nr]; ok {
		return s.name
	}
	return fmt.Sprintf("syscall %d", nr)
}

var protNames = []struct {
	bit  uint64
	name string
}{{0x1, "PROT_READ"}, {0x2, "PROT_WRITE"}, {0x4, "PROT_EXEC"}}

var mapNames = []struct {
	bit  uint64
	name string
}{
	{0x01, "MAP_SHARED"}, {0x02, "MAP_PRIVATE"}, {0x10, "MAP_FIXED"}, {0x20, "MAP_ANONYMOUS"},
	{0x100000, "MAP_FIXED_NOREPLACE"},
}

func flagString(v uint64, names []struct {
	bit  uint64
	name string
}, zero string) string {
	if v == 0 {
		return zero
	}
	var parts []string
	for _, n := range names {
		if v&n.bit != 0 {
			parts = append(parts, n.name)
			v &^= n.bit
		}
	}
	if v != 0 {
		parts = append(parts, fmt.Sprintf("%#x", v))
	}
	return strings.Join(parts, "|")
}

func formatArg(f argFormat, v uint64) string {
	switch f {
	case argInt:
		return fmt.Sprint(int64(v))
	case argProt:
		return flagString(v, protNames, "PROT_NONE")
	case argMapFlags:
		return flagString(v, mapNames, "0")
	}
	return fmt.Sprintf("%#x", v)
}

// String formats the call like strace: "mprotect(0x7f0000, 0x1000,
// PROT_READ|PROT_EXEC)"; an unknown argument is "?" and an unknown system
// call shows all six arguments.
func (c Call) String() string {
	info, ok := syscalls[c.Nr]
	if !ok {
		info = sysInfo{SyscallName(c.Nr), []argFormat{argHex, argHex, argHex, argHex, argHex, argHex}}
	}
	args := make([]string, len(info.args))
	for i, f := range info.args {
		args[i] = "?"
		if c.Unknown&FieldArg(i) == 0 {
			args[i] = formatArg(f, c.Args[i])
		}
	}
	return info.name + "(" + strings.Join(args, ", ") + ")"
}
