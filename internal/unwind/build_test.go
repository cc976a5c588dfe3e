package unwind

import "encoding/binary"

// ehBuilder assembles synthetic .eh_frame sections for tests.
type ehBuilder struct {
	addr uint64 // link-time address of the section
	b    []byte
}

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		out = append(out, c)
		if v == 0 {
			return out
		}
	}
}

func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		out = append(out, c)
		if done {
			return out
		}
	}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// entry appends length + id + body, padded to 8 bytes with DW_CFA_nop.
func (e *ehBuilder) entry(id uint32, body []byte) int {
	off := len(e.b)
	n := 4 + len(body)
	n += (8 - (4+n)%8) % 8
	e.b = binary.LittleEndian.AppendUint32(e.b, uint32(n))
	e.b = binary.LittleEndian.AppendUint32(e.b, id)
	e.b = append(e.b, body...)
	e.b = append(e.b, make([]byte, n-4-len(body))...)
	return off
}

// cie appends a version-1 CIE with code align 1, data align -8, RA 16.
func (e *ehBuilder) cie(aug string, augData, insns []byte) int {
	body := cat([]byte{1}, []byte(aug), []byte{0}, uleb(1), sleb(-8), []byte{16})
	if len(aug) > 0 && aug[0] == 'z' {
		body = cat(body, uleb(uint64(len(augData))), augData)
	}
	return e.entry(0, cat(body, insns))
}

// fde appends an FDE for [start, start+size) whose pointers use enc.
func (e *ehBuilder) fde(cieOff int, enc byte, hasAug bool, start, size uint64, insns []byte) int {
	idOff := len(e.b) + 4
	body := cat(encodePtr(enc, start, e.addr+uint64(idOff)+4), encodePtr(enc&0x0f, size, 0))
	if hasAug {
		body = append(body, 0)
	}
	return e.entry(uint32(idOff-cieOff), cat(body, insns))
}

func encodePtr(enc byte, v, field uint64) []byte {
	if enc&0x70 == _DW_EH_PE_pcrel {
		v -= field
	}
	le := binary.LittleEndian
	switch enc & 0x0f {
	case _DW_EH_PE_uleb128:
		return uleb(v)
	case _DW_EH_PE_sleb128:
		return sleb(int64(v))
	case _DW_EH_PE_udata2, _DW_EH_PE_sdata2:
		return le.AppendUint16(nil, uint16(v))
	case _DW_EH_PE_udata4, _DW_EH_PE_sdata4:
		return le.AppendUint32(nil, uint32(v))
	}
	return le.AppendUint64(nil, v)
}
