// Package apply patches, unpatches and inspects live processes with
// LibcarePlus .kpatch files (facts §8).
//
// Everything here works through the Host and Target interfaces, so the
// layout, relocation and safety logic run on a fake address space in tests;
// target_linux_amd64.go adapts internal/ptrace and internal/procfs.
//
// In-target layout of one applied patch (offsets from the region start
// kpta, facts §8.9c), identical to LibcarePlus so either tool can list and
// remove the other's patches:
//
//	0            504-byte copy of the .kpatch header with jmp_offset,
//	             elf_offset, user_info, user_undo, user_level and
//	             kpatch_total_mem_sz filled in
//	jmp_offset   jump table (only when the patch imports symbols):
//	             16-byte header {size, cur_entry, max_entry, pad} and one
//	             16-byte entry per import: ff 25 02 00 00 00 90 90 + address
//	elf_offset   the relocated ELF (page aligned)
//	user_undo    5 saved original bytes per .kpatch.info record
//
// The part before .kpatch.data (or the whole region) is r-x: an anonymous
// r-x mapping starting with KPATCH1 is how applied patches are found.
//
// libcare-ctl may be killed at any instant (design §4). The writes are
// ordered so that a later run reads every intermediate state as applied or
// not applied (record.go): a region is created marked pending (KPATCHP,
// which upstream ignores) and becomes a record (KPATCH1) only after its
// jumps; unpatch restores the code before it un-records. Patch, Unpatch
// and Repair first remove what a killed run left (repair.go).
//
// A patch stops the target once (map, fill, safety check, jumps, record);
// all parsing, relocation and the choice of address happen before, while
// it runs. An unpatch stops it once too.
package apply
