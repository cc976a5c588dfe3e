// Package elfwrite reads an ELF64 little-endian file into headers plus
// section bytes, lets callers edit them, and writes the file back at the
// offsets the headers give (what libelf calls ELF_F_LAYOUT: the caller owns
// the layout; kpatch_strip relies on it).
//
// Byte layout written by File.Bytes (System V gABI):
//
//	0            Elf64_Ehdr (64 bytes)
//	e_phoff      e_phnum × Elf64_Phdr (56 bytes), when Progs is not empty
//	sh_offset    sh_size bytes of each section whose type is not SHT_NOBITS
//	e_shoff      e_shnum × Elf64_Shdr (64 bytes), entry 0 first
//
// Gaps between these areas are zero. Section names are not re-encoded: the
// sh_name fields and the .shstrtab bytes are written as they are.
package elfwrite
