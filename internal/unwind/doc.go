// Package unwind walks the stacks of x86_64 Linux threads with the call
// frame information (CFI) of each loaded object's .eh_frame section. It is
// pure: the caller supplies registers, the objects' runtime ranges and a
// reader of the target's memory (/proc/pid/mem), so it never needs ptrace.
//
// libcare-ctl uses it for the safety check of design §4: no thread may have
// its pc or a return address inside a function being replaced.
//
// A walk goes through signal frames: a handler returns into its restorer,
// and the frame above is the context the signal interrupted, read from the
// kernel's struct rt_sigframe (signal.go), whose pc is exact (Frame.Exact)
// and whose stack may be another one (a sigaltstack).
//
// # .eh_frame layout
//
// The section (LSB "Linux Standard Base Core Specification", §10.6; DWARF 4
// §6.4.1 with the GNU changes) is a sequence of entries, ended by the end of
// the section or a zero length word:
//
//	length        u32 (0xffffffff: a u64 length follows; 0: terminator)
//	id            u32 (u64 in the 64-bit form): 0 for a CIE; otherwise the
//	              distance back from this field to the entry's CIE
//
// CIE (Common Information Entry), after id:
//
//	version       u8 (1, 3 or 4)
//	augmentation  NUL-terminated string: "", "zR", "zPLR", "zRS", ...
//	[v4: address_size u8, segment_size u8]
//	code_align    uleb128
//	data_align    sleb128 (-8 on x86_64)
//	ra_register   u8 (v1) or uleb128 (16 = rip on x86_64)
//	['z': aug_len uleb128, then per letter: L lsda-enc u8; P enc u8 +
//	      personality pointer; R fde-enc u8; S: signal frame (no data)]
//	initial instructions, padded to length with DW_CFA_nop
//
// FDE (Frame Description Entry), after id:
//
//	pc_begin      pointer in the CIE's R encoding (usually pcrel|sdata4)
//	pc_range      same format, without the pc-relative application
//	['z': aug_len uleb128 + LSDA pointer]
//	instructions
//
// Pointer encodings (DW_EH_PE_*): the low nibble is the format (absptr 0x00,
// uleb128 0x01, udata2/4/8 0x02/0x03/0x04, sleb128 0x09, sdata2/4/8
// 0x0a/0x0b/0x0c), bits 0x70 the base (pcrel 0x10 = address of the field,
// datarel 0x30 = 0 on x86_64 as in libgcc's unwind-dw2-fde.c), 0x80 indirect,
// and 0xff means the value is omitted.
//
// Parse checks every entry up front and keeps the FDEs sorted by pc_begin;
// CFA programs run lazily, per frame, up to the frame's pc.
package unwind
