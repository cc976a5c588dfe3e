package unwind

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about bytes of .eh_frame or of a
// DWARF expression that cannot be decoded.
var ErrMalformed = errors.New("malformed call frame information")

// ErrUnsupported is wrapped by errors about valid CFI this package does not
// implement (a DWARF operation, a pointer encoding).
var ErrUnsupported = errors.New("unsupported call frame information")

// DW_EH_PE_* pointer encodings (LSB Core §10.5.1, gcc unwind-pe.h).
const (
	_DW_EH_PE_absptr  = 0x00
	_DW_EH_PE_uleb128 = 0x01
	_DW_EH_PE_udata2  = 0x02
	_DW_EH_PE_udata4  = 0x03
	_DW_EH_PE_udata8  = 0x04
	_DW_EH_PE_sleb128 = 0x09
	_DW_EH_PE_sdata2  = 0x0a
	_DW_EH_PE_sdata4  = 0x0b
	_DW_EH_PE_sdata8  = 0x0c
	_DW_EH_PE_pcrel   = 0x10
	_DW_EH_PE_textrel = 0x20
	_DW_EH_PE_datarel = 0x30
	_DW_EH_PE_funcrel = 0x40
	_DW_EH_PE_aligned = 0x50
	_DW_EH_PE_omit    = 0xff
)

// reader is a bounds-checked little-endian cursor over section bytes with a
// sticky error: after the first failure every read returns zero, so decoders
// check r.err once per entry instead of after every field.
type reader struct {
	b    []byte // the whole section, so offsets in errors are section offsets
	off  int
	end  int    // reads stop here (end of the current entry)
	addr uint64 // link-time address of b[0], the base of pc-relative pointers
	err  error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %#x: %s: %w", r.off, fmt.Sprintf(format, args...), ErrMalformed)
	}
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > r.end-r.off {
		r.fail("%d bytes past the end of the entry at %#x", n, r.end)
		return false
	}
	return true
}

func (r *reader) u8() uint8 {
	if !r.need(1) {
		return 0
	}
	r.off++
	return r.b[r.off-1]
}

func (r *reader) u16() uint16 {
	if !r.need(2) {
		return 0
	}
	r.off += 2
	return binary.LittleEndian.Uint16(r.b[r.off-2:])
}

func (r *reader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	r.off += 4
	return binary.LittleEndian.Uint32(r.b[r.off-4:])
}

func (r *reader) u64() uint64 {
	if !r.need(8) {
		return 0
	}
	r.off += 8
	return binary.LittleEndian.Uint64(r.b[r.off-8:])
}

// uleb reads an unsigned LEB128; bits beyond 64 are dropped, as libgcc does.
func (r *reader) uleb() uint64 {
	var v uint64
	for shift := uint(0); r.need(1); shift += 7 {
		c := r.b[r.off]
		r.off++
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
	return 0
}

func (r *reader) sleb() int64 {
	var v int64
	shift := uint(0)
	for r.need(1) {
		c := r.b[r.off]
		r.off++
		if shift < 64 {
			v |= int64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
	return 0
}

func (r *reader) cstring() string {
	for i := r.off; i < r.end; i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.off:i])
			r.off = i + 1
			return s
		}
	}
	r.fail("unterminated string")
	return ""
}

// value reads a number in the format nibble of a pointer encoding.
func (r *reader) value(enc byte) uint64 {
	switch enc & 0x0f {
	case _DW_EH_PE_absptr, _DW_EH_PE_udata8, _DW_EH_PE_sdata8:
		return r.u64()
	case _DW_EH_PE_uleb128:
		return r.uleb()
	case _DW_EH_PE_udata2:
		return uint64(r.u16())
	case _DW_EH_PE_udata4:
		return uint64(r.u32())
	case _DW_EH_PE_sleb128:
		return uint64(r.sleb())
	case _DW_EH_PE_sdata2:
		return uint64(int64(int16(r.u16())))
	case _DW_EH_PE_sdata4:
		return uint64(int64(int32(r.u32())))
	}
	r.fail("pointer encoding %#x: unknown format", enc)
	return 0
}

// pointer reads an encoded pointer. Indirect pointers (0x80) are returned as
// the address of the slot: only personality routines use them, and the
// unwinder never follows those.
func (r *reader) pointer(enc byte) uint64 {
	if enc == _DW_EH_PE_omit {
		return 0
	}
	field := r.addr + uint64(r.off)
	switch enc & 0x70 {
	case _DW_EH_PE_absptr, _DW_EH_PE_datarel:
		// datarel has base 0 for .eh_frame on x86_64 (libgcc base_from_object).
		return r.value(enc)
	case _DW_EH_PE_pcrel:
		return field + r.value(enc)
	case _DW_EH_PE_aligned:
		if pad := (8 - r.off%8) % 8; r.need(pad) {
			r.off += pad
		}
		return r.u64()
	}
	if r.err == nil {
		r.err = fmt.Errorf("offset %#x: pointer encoding %#x: %w", r.off, enc, ErrUnsupported)
	}
	return 0
}
