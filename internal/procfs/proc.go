package procfs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// maxAuxv bounds /proc/pid/auxv: the kernel keeps at most AT_VECTOR_SIZE
// (~50) pairs of 16 bytes; anything much bigger is not an auxv.
const maxAuxv = 64 << 10

// deleted is appended by the kernel (d_path) to the path of an unlinked file.
const deleted = " (deleted)"

func procPath(pid int, name string) string {
	return filepath.Join("/proc", strconv.Itoa(pid), name)
}

// Tasks returns the thread ids listed in /proc/<pid>/task, sorted.
func Tasks(pid int) ([]int, error) {
	return numericEntries(procPath(pid, "task"))
}

// Pids returns the process ids listed in /proc, sorted.
func Pids() ([]int, error) {
	return numericEntries("/proc")
}

func numericEntries(dir string) ([]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ids := make([]int, 0, len(ents))
	for _, e := range ents {
		if id, err := strconv.Atoi(e.Name()); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Status holds the fields of /proc/<pid>/status that the tracer needs
// (kernel fs/proc/array.c task_state).
type Status struct {
	Name      string
	State     string // the state letter: "R", "S", "t" (traced), "T", "Z"...
	Tgid      int
	Pid       int
	PPid      int
	TracerPid int    // thread id of the tracer, 0 when not traced
	Uid, Gid  [4]int // real, effective, saved, filesystem
	// Seccomp is the thread's seccomp mode: 0 disabled, 1 strict, 2
	// filter (0 when the kernel has no CONFIG_SECCOMP and shows no line).
	Seccomp int
	// SeccompFilters is the number of filters of the thread (Linux 5.9+;
	// -1 when the kernel does not show it).
	SeccompFilters int
}

// ReadStatus reads and parses /proc/<pid>/status; pid may be a thread id.
func ReadStatus(pid int) (*Status, error) {
	b, err := os.ReadFile(procPath(pid, "status"))
	if err != nil {
		return nil, err
	}
	s, err := ParseStatus(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("pid %d: %w", pid, err)
	}
	return s, nil
}

// ParseStatus parses the text of a /proc/<pid>/status file. Unknown keys are
// ignored; the Name, State, Tgid, Pid, PPid, TracerPid, Uid and Gid lines are
// required.
func ParseStatus(r io.Reader) (*Status, error) {
	s := Status{SeccompFilters: -1}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		if err := s.set(key, val); err != nil {
			return nil, fmt.Errorf("status %s: %w", key, err)
		}
		seen[key] = true
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	for _, k := range []string{"Name", "State", "Tgid", "Pid", "PPid", "TracerPid", "Uid", "Gid"} {
		if !seen[k] {
			return nil, fmt.Errorf("status: missing %s", k)
		}
	}
	return &s, nil
}

func (s *Status) set(key, val string) error {
	var err error
	switch key {
	case "Name":
		s.Name = val
	case "State":
		s.State, _, _ = strings.Cut(val, " ")
		if s.State == "" {
			return fmt.Errorf("empty state")
		}
	case "Tgid":
		s.Tgid, err = strconv.Atoi(val)
	case "Pid":
		s.Pid, err = strconv.Atoi(val)
	case "PPid":
		s.PPid, err = strconv.Atoi(val)
	case "TracerPid":
		s.TracerPid, err = strconv.Atoi(val)
	case "Uid":
		s.Uid, err = parseIDs(val)
	case "Gid":
		s.Gid, err = parseIDs(val)
	case "Seccomp":
		s.Seccomp, err = strconv.Atoi(val)
	case "Seccomp_filters":
		s.SeccompFilters, err = strconv.Atoi(val)
	}
	return err
}

func parseIDs(val string) ([4]int, error) {
	var ids [4]int
	f := strings.Fields(val)
	if len(f) != len(ids) {
		return ids, fmt.Errorf("%q: want 4 ids", val)
	}
	for i := range ids {
		id, err := strconv.Atoi(f[i])
		if err != nil {
			return ids, err
		}
		ids[i] = id
	}
	return ids, nil
}

// ReadAuxv reads /proc/<pid>/auxv into a map from AT_* type to value.
func ReadAuxv(pid int) (map[uint64]uint64, error) {
	f, err := os.Open(procPath(pid, "auxv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxAuxv+1))
	if err != nil {
		return nil, fmt.Errorf("read auxv of pid %d: %w", pid, err)
	}
	if len(b) > maxAuxv {
		return nil, fmt.Errorf("auxv of pid %d: larger than %d bytes", pid, maxAuxv)
	}
	m, err := ParseAuxv(b)
	if err != nil {
		return nil, fmt.Errorf("pid %d: %w", pid, err)
	}
	return m, nil
}

// ParseAuxv decodes an x86_64 auxiliary vector: little-endian (type, value)
// pairs of 8 bytes each, ended by AT_NULL (type 0) or the end of b.
func ParseAuxv(b []byte) (map[uint64]uint64, error) {
	if len(b)%16 != 0 {
		return nil, fmt.Errorf("auxv: %d bytes is not a whole number of 16-byte entries", len(b))
	}
	m := map[uint64]uint64{}
	for off := 0; off+16 <= len(b); off += 16 {
		typ := binary.LittleEndian.Uint64(b[off:])
		if typ == 0 { // AT_NULL
			break
		}
		m[typ] = binary.LittleEndian.Uint64(b[off+8:])
	}
	return m, nil
}

// Exe returns the target of /proc/<pid>/exe without the " (deleted)" suffix
// the kernel appends once the file has been unlinked or replaced.
func Exe(pid int) (string, error) {
	p, err := os.Readlink(procPath(pid, "exe"))
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(p, deleted), nil
}

// Cmdline returns the arguments in /proc/<pid>/cmdline (empty for kernel
// threads and zombies).
func Cmdline(pid int) ([]string, error) {
	b, err := os.ReadFile(procPath(pid, "cmdline"))
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return []string{}, nil
	}
	return strings.Split(string(b), "\x00"), nil
}

// _PF_KTHREAD is the task flag of kernel threads (include/linux/sched.h).
const _PF_KTHREAD = 0x00200000

// Stat holds the fields of /proc/<pid>/stat that the tracer needs
// (fs/proc/array.c do_task_stat).
type Stat struct {
	State string // the state letter, as in Status
	PPid  int
	Flags uint64 // the task's PF_* flags
}

// KernelThread reports whether the task is a kernel thread: it has no
// user address space to patch.
func (s *Stat) KernelThread() bool { return s.Flags&_PF_KTHREAD != 0 }

// ReadStat reads and parses /proc/<pid>/stat.
func ReadStat(pid int) (*Stat, error) {
	b, err := os.ReadFile(procPath(pid, "stat"))
	if err != nil {
		return nil, err
	}
	s, err := ParseStat(b)
	if err != nil {
		return nil, fmt.Errorf("pid %d: %w", pid, err)
	}
	return s, nil
}

// ParseStat parses the text of /proc/<pid>/stat: "pid (comm) state ppid
// pgrp session tty_nr tpgid flags ...". The command name may hold spaces
// and parentheses, so the fields are counted from its last ')'.
func ParseStat(b []byte) (*Stat, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 7 {
		return nil, fmt.Errorf("stat: %d fields after the command name, want at least 7", len(f))
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return nil, fmt.Errorf("stat ppid: %w", err)
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("stat flags: %w", err)
	}
	return &Stat{State: f[0], PPid: ppid, Flags: flags}, nil
}
