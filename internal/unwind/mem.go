package unwind

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"
)

// MemReader reads the target's memory at virtual addresses, as
// /proc/pid/mem does. Short reads are fine when they return what exists
// (the end of a stack mapping).
type MemReader interface {
	ReadAt(p []byte, off int64) (int, error)
}

// Reads of target memory go through a window of windowSize bytes starting
// at the address wanted: one pread of /proc/pid/mem costs about the same for
// 8 KiB as for 8 bytes, and a stack walk only moves upwards. (Starting at a
// page boundary below would fail at the lowest page of a mapping.)
const (
	windowSize = 8 << 10
	pageSize   = 4 << 10 // x86_64 Linux
)

var windowPool = sync.Pool{New: func() any { return new([windowSize]byte) }}

// window caches one chunk of target memory.
type window struct {
	mem   MemReader
	buf   *[windowSize]byte
	base  uint64
	n     int
	reads int // ReadAt calls, for tests and benchmarks
}

func newWindow(mem MemReader) *window {
	return &window{mem: mem, buf: windowPool.Get().(*[windowSize]byte)}
}

func (w *window) release() {
	windowPool.Put(w.buf)
	w.buf = nil
}

// bytes returns size (≤ 8) bytes at addr, refilling the window if needed.
func (w *window) bytes(addr uint64, size int) ([]byte, error) {
	if addr >= w.base && addr+uint64(size) <= w.base+uint64(w.n) && addr+uint64(size) > addr {
		off := addr - w.base
		return w.buf[off : off+uint64(size)], nil
	}
	base := addr &^ 7
	if base > math.MaxInt64-windowSize {
		return nil, fmt.Errorf("read %#x: address out of range", addr)
	}
	w.reads++
	n, err := w.mem.ReadAt(w.buf[:], int64(base))
	if n < 0 || n > windowSize {
		n = 0
	}
	w.base, w.n = base, n
	if need := int(addr-base) + size; n < need {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read %#x: %w", addr, err)
	}
	off := addr - base
	return w.buf[off : off+uint64(size)], nil
}

func (w *window) u64(addr uint64) (uint64, error) {
	b, err := w.bytes(addr, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// maxScan caps ScanStack's read: stacks are 8 MiB by default and the live
// part rarely more than a few hundred KiB.
const maxScan = 16 << 20

// ScanStack reads up to size bytes of memory from sp (the live part of a
// stack) and returns the aligned words for which isCode is true, lowest
// address first. It is the fallback when CFI cannot describe a frame: the
// result over-approximates the return addresses on the stack. A short read
// (the end of the mapping) scans what was read.
func ScanStack(mem MemReader, sp uint64, size int, isCode func(uint64) bool) []uint64 {
	var out []uint64
	ScanStackFunc(mem, sp, size, func(_, w uint64) bool {
		if isCode(w) {
			out = append(out, w)
		}
		return true
	})
	return out
}

// ScanStackFunc calls visit with the address and value of every aligned
// word of up to size bytes from sp, lowest first, until visit returns
// false; it reads like ScanStack.
func ScanStackFunc(mem MemReader, sp uint64, size int, visit func(addr, w uint64) bool) {
	start := (sp + 7) &^ 7
	size -= int(start - sp)
	if size <= 0 || start < sp || start > math.MaxInt64 {
		return
	}
	size = min(size, maxScan)
	buf := make([]byte, min(size, 64<<10))
	for done := 0; done < size; {
		chunk := buf[:min(len(buf), size-done)]
		n, _ := mem.ReadAt(chunk, int64(start)+int64(done))
		n = min(max(n, 0), len(chunk)) &^ 7
		for i := 0; i < n; i += 8 {
			if !visit(start+uint64(done+i), binary.LittleEndian.Uint64(chunk[i:])) {
				return
			}
		}
		if n < len(chunk) {
			return
		}
		done += n
	}
}
