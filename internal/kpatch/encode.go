package kpatch

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Encode returns the 504-byte encoding of h.
func (h *Header) Encode() []byte {
	b, err := binary.Append(make([]byte, 0, HeaderSize), binary.LittleEndian, h)
	if err != nil || len(b) != HeaderSize {
		// Header is a fixed-size struct; this cannot fail.
		panic(fmt.Sprintf("kpatch: encode header: %v (%d bytes)", err, len(b)))
	}
	return b
}

// Encode returns the bytes of the .kpatch file that kpatch_make writes for
// the given id, target Build-ID and ELF object.
func Encode(id, buildID string, img []byte, buildTime time.Time) ([]byte, error) {
	if len(id) > MaxIDLen {
		return nil, fmt.Errorf("patch id %q longer than %d characters", id, MaxIDLen)
	}
	if len(buildID) > BuildIDLen {
		return nil, fmt.Errorf("build id %q longer than %d characters", buildID, BuildIDLen)
	}
	padded := (uint64(len(img)) + elfAlign - 1) &^ (elfAlign - 1)
	if HeaderSize+padded > 1<<32-1 {
		return nil, fmt.Errorf("ELF of %d bytes too large for a kpatch file", len(img))
	}
	h := Header{
		BuildTime:    uint64(buildTime.Unix()),
		KpatchOffset: HeaderSize,
		RelOffset:    HeaderSize,
		TotalSize:    uint32(HeaderSize + padded),
	}
	copy(h.Magic[:], Magic)
	copy(h.ID[:], id)
	copy(h.BuildID[:], buildID)
	out := make([]byte, 0, h.TotalSize)
	out = append(out, h.Encode()...)
	out = append(out, img...)
	return append(out, make([]byte, padded-uint64(len(img)))...), nil
}

// Encode returns the 48-byte encoding of i.
func (i Info) Encode() []byte {
	b, _ := binary.Append(make([]byte, 0, InfoSize), binary.LittleEndian, i)
	return b
}
