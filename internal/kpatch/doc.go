// Package kpatch reads and writes the LibcarePlus .kpatch patch format.
//
// A .kpatch file is a fixed 504-byte header (struct kpatch_file of
// LibcarePlus include/kpatch_file.h) immediately followed by an ELF64
// relocatable object, padded with zeros to a multiple of 16 bytes. All
// integers are little-endian.
//
//	off  size  field
//	  0     8  magic            "KPATCH1\0"
//	  8     8  id               patch id, NUL-terminated, at most 7 chars
//	 16     1  flags            0
//	 17     1  safety_method    0
//	 18     6  pad
//	 24    64  modulename       zeros (kernel leftover)
//	 88    41  buildid          40 lowercase hex chars + NUL
//	129     7  pad1
//	136     8  build_time       seconds since the epoch
//	144     4  csum             CRC-32 of the ELF (see below); 0 = unchecked
//	148     4  nr_reloc         0
//	152     4  kpatch_offset    504: file offset of the ELF
//	156     4  rel_offset       504 (kernel leftover)
//	160     4  total_size       504 + ALIGN(elf size, 16)
//	164     4  jmp_offset       0 in a file; set in the target's copy
//	168     4  elf_offset       0 in a file; set in the target's copy
//	172     4  pad2
//	176     8  kpatch_total_mem_sz  0 in a file; size of the target region
//	184    64  entries[16]      user_undo@184, user_info@188, user_level@192
//	248    25  srcversion       zeros
//	273   231  pad3             zeros
//
// csum is the CRC-32 with the IEEE 802.3 polynomial (0xedb88320 reflected,
// as hash/crc32.ChecksumIEEE, zlib's crc32 and `gzip`) of the bytes from
// kpatch_offset to total_size: the embedded ELF with its alignment
// padding. kpatch_make writes it; libcare-ctl checks it when it is not 0.
// LibcarePlus writes 0 and never reads it, so its files load as
// unchecked and ours load with its libcare-ctl. An ELF whose CRC happens to
// be 0 is stored as unchecked too.
//
// A file is also refused when total_size - kpatch_offset is not the ELF's
// own extent (the end of its last section or of its section header table)
// rounded up to 16, as kpatch_make computes it: the target region is sized
// from the ELF, so a header may not claim more than the ELF holds.
//
// The ELF carries a .kpatch.info section: an array of 48-byte struct
// kpatch_info records closed by a 24-byte zero terminator.
//
//	off  size  field
//	  0     8  daddr   original function address (0 for a new function)
//	  8     8  saddr   new code address
//	 16     4  dlen    original function length (0 for a new function)
//	 20     4  slen    new code length
//	 24     8  symstr  address of the name in .kpatch.strtab
//	 32     8  vaddr   0
//	 40     4  flags   0 in a file
//	 44     4  pad
package kpatch
