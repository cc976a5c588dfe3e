package apply

import (
	"fmt"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// The record of a patch is the KPATCH1 magic at the start of its region
// (facts §8.3): whoever finds it (we, or upstream) takes the region for an
// applied patch whose jumps are in place. The order of writes makes every
// state a killed run can leave read as "applied" or "not applied":
//
//	patch:   mmap, pendingMagic, image, undo bytes, header (pending),
//	         code r-x, safety check, jumps, recordMagic
//	unpatch: safety check, original bytes, pendingMagic, munmap
//
// A region that starts with pendingMagic is ours and not a patch; a later
// run removes it (repair.go), restoring any jump of it found in place.
// One state needs more: a run killed from the moment the mmap is set up
// on its thread (ptrace.Syscall: the thread runs the call even after our
// death, then returns through the safety frame) until pendingMagic is
// written leaves a zeroed anonymous mapping that nothing in the target
// marks as ours; the region journal (journal.go) names it.
const (
	pendingMagic = "KPATCHP\x00"
	// recordMagic is the part of kpatch.Magic upstream compares.
	recordMagic = "KPATCH1"
)

// record turns the pending region at kpta into an applied patch.
func record(mem Memory, kpta uint64) error {
	if err := writeFull(mem, kpta, []byte(recordMagic)); err != nil {
		return fmt.Errorf("record patch at %#x: %w", kpta, err)
	}
	return nil
}

// unrecord marks the region at kpta as no longer a patch, before it is
// unmapped.
func unrecord(mem Memory, kpta uint64) error {
	if err := writeFull(mem, kpta, []byte(pendingMagic)); err != nil {
		return fmt.Errorf("unrecord patch at %#x: %w", kpta, err)
	}
	return nil
}

// pendingHeader is the header copy of a region being filled.
func pendingHeader(h kpatch.Header) []byte {
	b := h.Encode()
	copy(b, pendingMagic)
	return b
}
