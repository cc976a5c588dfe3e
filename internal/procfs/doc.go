// Package procfs parses the files of /proc/<pid> that libcare-ctl needs:
// maps, task, status, stat, auxv, exe and cmdline. It is pure Go (no ptrace), so
// the parsers are tested and fuzzed on captured files in testdata.
//
// The formats are those of the Linux kernel: fs/proc/task_mmu.c
// (show_map_vma), fs/proc/array.c (task_state) and fs/proc/base.c.
package procfs
