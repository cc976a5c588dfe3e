package kpatch

import (
	"bytes"
	"errors"
)

// Sizes and magic of the format (LibcarePlus include/kpatch_file.h).
const (
	HeaderSize         = 504
	Magic              = "KPATCH1\x00"
	InfoSize           = 48
	InfoTerminatorSize = 24 // KPATCH_INFO_LAST_SIZE
	BuildIDLen         = 40 // KPATCH_BUILDID_LEN
	MaxIDLen           = 7
	elfAlign           = 16
	// DefaultMaxSize is the largest patch file libcare-ctl reads unless
	// told otherwise (--max-size): real patches are kilobytes to a few
	// megabytes.
	DefaultMaxSize = 256 << 20
)

// Sentinel errors of the decoder; returned errors wrap them.
var (
	ErrBadMagic  = errors.New("not a kpatch file (bad magic)")
	ErrTruncated = errors.New("truncated kpatch file")
	ErrBadELF    = errors.New("bad embedded ELF")
	ErrChecksum  = errors.New("checksum mismatch: the file is corrupted")
	ErrTooLarge  = errors.New("patch file too large")
	ErrBadHeader = errors.New("bad kpatch header")
)

// Header mirrors struct kpatch_file (504 bytes, no implicit padding).
type Header struct {
	Magic            [8]byte
	ID               [8]byte
	Flags            uint8
	SafetyMethod     uint8
	Pad              [6]byte
	ModuleName       [64]byte
	BuildID          [41]byte
	Pad1             [7]byte
	BuildTime        uint64
	Csum             uint32
	NrReloc          uint32
	KpatchOffset     uint32
	RelOffset        uint32
	TotalSize        uint32
	JmpOffset        uint32
	ElfOffset        uint32
	Pad2             uint32
	KpatchTotalMemSz uint64
	UserUndo         uint32
	UserInfo         uint32
	UserLevel        uint32
	Entries          [13]uint32
	SrcVersion       [25]byte
	Pad3             [231]byte
}

// IDString returns the patch id up to its NUL.
func (h *Header) IDString() string { return cString(h.ID[:]) }

// BuildIDString returns the target Build-ID as stored (hex text).
func (h *Header) BuildIDString() string { return cString(h.BuildID[:]) }

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
