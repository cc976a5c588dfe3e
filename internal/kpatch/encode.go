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
// the given id, target Build-ID and ELF object, with the CRC-32 of the
// padded ELF in csum (doc.go).
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
	elfPart := make([]byte, padded)
	copy(elfPart, img)
	h := Header{
		BuildTime:    uint64(buildTime.Unix()),
		Csum:         Checksum(elfPart),
		KpatchOffset: HeaderSize,
		RelOffset:    HeaderSize,
		TotalSize:    uint32(HeaderSize + padded),
	}
	copy(h.Magic[:], Magic)
	copy(h.ID[:], id)
	copy(h.BuildID[:], buildID)
	return append(h.Encode(), elfPart...), nil
}

// Encode returns the 48-byte encoding of i.
func (i Info) Encode() []byte {
	b, _ := binary.Append(make([]byte, 0, InfoSize), binary.LittleEndian, i)
	return b
}
