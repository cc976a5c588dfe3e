package apply

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/unwind"
)

// restorerVaddr is where signalTarget puts glibc's __restore_rt in libc.
const restorerVaddr = 0x1800

// signalTarget is newTarget with thread 100 in a signal handler (in libc,
// no CFI) whose frame is the kernel's rt_sigframe: the restorer's address,
// then a ucontext saving pc and sp. The handler runs on an alternate stack
// when altstack is set.
func signalTarget(t *testing.T, pc uint64, altstack bool) *fakeProc {
	t.Helper()
	p := newTarget(t)
	copy(p.mem[libcBase][restorerVaddr:], []byte{0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05})
	sp := uint64(stackBase + 0x3000)
	if altstack {
		p.addMapping(stackBase-0x10000, make([]byte, 0x2000), "rw-p", "", 0)
		sp = stackBase - 0x10000 + 0x1000
	}
	frame := make([]byte, 8+0x200)
	binary.LittleEndian.PutUint64(frame, libcBase+restorerVaddr)
	binary.LittleEndian.PutUint64(frame[8+0xa8:], pc)               // uc_mcontext.rip
	binary.LittleEndian.PutUint64(frame[8+0xa0:], stackBase+0x3f00) // uc_mcontext.rsp
	if _, err := p.WriteAt(frame, int64(sp)); err != nil {
		t.Fatal(err)
	}
	p.regs[100] = unwind.Regs{PC: libcBase + putsVaddr + 2, SP: sp}
	return p
}

// TestSafetySignalFrame: a thread whose handler interrupted foo (its pc is
// in the signal frame, not a return address; foo's first byte included)
// is busy, on its stack or on an alternate one; interrupted elsewhere, it
// is not.
func TestSafetySignalFrame(t *testing.T) {
	foo := uint64(progBase + fooVaddr)
	tests := []struct {
		name     string
		pc       uint64
		altstack bool
		busy     bool
	}{
		{"inside", foo + 4, false, true},
		{"first byte", foo, false, true},
		{"inside, altstack", foo + 4, true, true},
		{"elsewhere", progBase + mainVaddr, false, false},
		{"elsewhere, altstack", progBase + mainVaddr, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := signalTarget(t, tc.pc, tc.altstack)
			orig := p.read(progBase, imgSize)
			_, err := Patch(p, testPatch(t, "0001", allRelocs), Options{Timeout: 10 * time.Millisecond})
			if !tc.busy {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if err == nil || err.Error() != "safety check failed: thread 100 is inside foo" {
				t.Fatalf("got %v, want the safety check to fail naming foo", err)
			}
			if !bytes.Equal(p.read(progBase, imgSize), orig) || p.attached || p.stopped {
				t.Errorf("target changed by a refused patch")
			}
		})
	}
}

// TestPatchAddressTaken: the target maps something at the chosen address
// between the choice and the stop; the region goes to the next candidate
// and the image is relocated for it.
func TestPatchAddressTaken(t *testing.T) {
	p := newTarget(t)
	taken := uint64(0)
	p.onStop = func(p *fakeProc) {
		if taken != 0 {
			return
		}
		snap, _ := Discover(p)
		taken = regionCandidates(findHoles(snap.Maps), progBase, progBase+imgSize, pageSize)[0]
		p.addMapping(taken, make([]byte, pageSize), "rw-p", "", 0)
	}
	res := applyTest(t, p, testPatch(t, "0001", allRelocs))
	kpta := uint64(res.Patches[0].Address)
	if kpta == taken || taken == 0 {
		t.Fatalf("region at %#x, taken %#x", kpta, taken)
	}
	// foo's jump goes to the new code where the region really is.
	in := res.Patches[0].Hunks[0]
	if uint64(in.Saddr) < kpta || uint64(in.Saddr) >= kpta+res.Patches[0].Size {
		t.Errorf("new code at %#x, outside the region %#x", in.Saddr, kpta)
	}
	jump := p.read(progBase+fooVaddr, 5)
	if got := progBase + fooVaddr + 5 + uint64(int64(int32(binary.LittleEndian.Uint32(jump[1:])))); got != uint64(in.Saddr) {
		t.Errorf("jump to %#x, want %#x", got, in.Saddr)
	}
	if p.stops != 1 {
		t.Errorf("got %d stops, want 1", p.stops)
	}
}

// TestInterrupted: a signal before the jumps rolls the patch (or the
// unpatch) back with ErrInterrupted, leaving the target as it was.
func TestInterrupted(t *testing.T) {
	for _, op := range []string{"patch", "unpatch"} {
		t.Run(op, func(t *testing.T) {
			p := newTarget(t)
			if op == "unpatch" {
				applyTest(t, p, testPatch(t, "0001", allRelocs))
			}
			before, nmaps := p.read(progBase, imgSize), len(p.maps)
			// A thread in foo's code (or the new one) keeps the check
			// waiting until the signal comes.
			p.regs[100] = unwind.Regs{PC: progBase + fooVaddr + 1, SP: stackBase + 0x3f00}
			if op == "unpatch" {
				snap, _ := Discover(p)
				u, _ := readUndo(p, snap.Applied[0])
				p.regs[100] = unwind.Regs{PC: u.infos[0].Saddr + 1, SP: stackBase + 0x3f00}
			}
			resumes := 0
			p.onResume = func(*fakeProc) { resumes++ }
			opts := Options{Timeout: time.Minute, Interrupted: func() os.Signal {
				if resumes >= 2 {
					return syscall.SIGTERM
				}
				return nil
			}}
			var err error
			if op == "patch" {
				_, err = Patch(p, testPatch(t, "0001", allRelocs), opts)
			} else {
				_, err = Unpatch(p, "", nil, opts)
			}
			if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "terminated") {
				t.Fatalf("got %v, want ErrInterrupted by SIGTERM", err)
			}
			if !bytes.Equal(p.read(progBase, imgSize), before) || len(p.maps) != nmaps || p.attached || p.stopped {
				t.Errorf("target changed by an interrupted %s: maps %+v", op, p.maps)
			}
		})
	}
}

// TestJitter: slices vary within ±25%, so that sampling does not lock onto
// the phase of a thread busy in a fixed period.
func TestJitter(t *testing.T) {
	d := 100 * time.Millisecond
	seen := map[time.Duration]bool{}
	for range 1000 {
		j := jitter(d)
		if j < d*3/4 || j >= d*5/4 {
			t.Fatalf("jitter(%v) = %v, want within [75ms, 125ms)", d, j)
		}
		seen[j] = true
	}
	if len(seen) < 100 {
		t.Errorf("jitter(%v) took %d values in 1000 draws, want them spread", d, len(seen))
	}
}
