package unwind

import (
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestWalkSignal walks a live fixture from inside a signal handler (on the
// thread's stack and on a sigaltstack) to the frames the signal
// interrupted: the interrupted pc is exact. With libc's CFI the glibc
// restorer's "S" FDE is followed; without it, its bytes are recognised and
// the saved context read directly.
func TestWalkSignal(t *testing.T) {
	want := []string{"snap", "on_signal", "spin", "c", "b", "a", "main"}
	for _, v := range []variant{variants[0], variants[2]} {
		for _, mode := range []string{"signal", "altstack"} {
			for _, libcCFI := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/libc-cfi=%v", v.name, mode, libcCFI), func(t *testing.T) {
					pid, c := startHeld(t, buildFixture(t, "chain.c", v), mode)
					objs := objects(t, c)
					mods := modules(objs)
					if !libcCFI {
						for i, o := range objs {
							if strings.Contains(o.path, "libc.so") {
								mods[i].Table = nil
							}
						}
					}
					f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					frames, _, _, err := Walk(c.regs, mods, f, 64)
					pcs := make([]uint64, len(frames))
					for i, fr := range frames {
						pcs[i] = fr.PC
					}
					trace := describe(objs, pcs)
					if err != nil {
						t.Fatalf("Walk: %v\n%s", err, trace)
					}
					var got []string
					for _, fr := range frames {
						o, fn := symbolize(objs, fr.PC)
						if o == nil || o != objs[0] {
							continue
						}
						got = append(got, fn)
						if exact := fn == "spin" || fn == "snap"; fr.Exact != exact {
							t.Errorf("frame %s at %#x: got exact %v, want %v", fn, fr.PC, fr.Exact, exact)
						}
					}
					if len(got) > len(want) {
						got = got[:len(want)]
					}
					if !slices.Equal(got, want) {
						t.Fatalf("executable frames: got %v, want %v\n%s", got, want, trace)
					}
				})
			}
		}
	}
}

// sigMem serves code and stack for synthetic signal frames.
type sigMem map[uint64][]byte

func (m sigMem) ReadAt(p []byte, off int64) (int, error) {
	for base, b := range m {
		if a := uint64(off); a >= base && a < base+uint64(len(b)) {
			n := copy(p, b[a-base:])
			if n < len(p) {
				return n, fmt.Errorf("short")
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("unmapped %#x", off)
}

// TestWalkSigreturnNoCFI: a handler (CFI, 0x1000 "entry" rule) returns to
// a restorer without CFI; the walk reads the ucontext above the return
// address and goes on, exactly at the interrupted pc, on another stack.
func TestWalkSigreturnNoCFI(t *testing.T) {
	tab := synthetic(t)
	mods := []Module{{Start: 0x11000, End: 0x20000, Bias: 0x10000, Table: tab}}
	const tramp, alt, mainSP = 0x30000, 0x40000, 0x50000
	code := make([]byte, 32)
	copy(code[7:], sigreturnCode[0])
	frame := make([]byte, 8+ucRegsEnd)
	binary.LittleEndian.PutUint64(frame, tramp+7)
	binary.LittleEndian.PutUint64(frame[8+ucRIP:], 0x11000) // interrupted at a function's first byte
	binary.LittleEndian.PutUint64(frame[8+ucRSP:], mainSP)
	binary.LittleEndian.PutUint64(frame[8+ucRBP:], 0x4242)
	stack := make([]byte, 16)
	binary.LittleEndian.PutUint64(stack, 0x15005)
	mem := sigMem{tramp: code, alt: frame, mainSP: stack}
	// Regs at the handler's entry: its return address (the restorer) at rsp.
	frames, last, complete, err := Walk(Regs{PC: 0x11000, SP: alt}, mods, mem, 64)
	want := []Frame{{0x11000, true}, {tramp + 7, false}, {0x11000, true}, {0x15005, false}}
	if err != nil || !complete || !slices.Equal(frames, want) {
		t.Fatalf("got %+v complete %v err %v, want %+v complete", frames, complete, err, want)
	}
	if last.SP != mainSP+8 {
		t.Errorf("got last sp %#x, want %#x", last.SP, mainSP+8)
	}
}

func TestIsSigreturn(t *testing.T) {
	at := func(off int, s []byte) []byte {
		b := make([]byte, SigreturnWindow)
		copy(b[off:], s)
		return b
	}
	tests := []struct {
		name  string
		code  []byte
		exact bool
		want  bool
	}{
		{"start", at(7, sigreturnCode[0]), false, true},
		{"start eax", at(7, sigreturnCode[1]), false, true},
		{"at syscall, interrupted pc", at(0, sigreturnCode[0]), true, true},
		{"at syscall eax, interrupted pc", at(2, sigreturnCode[1]), true, true},
		{"at syscall, return address", at(0, sigreturnCode[0]), false, false},
		{"other code", at(7, []byte{0x48, 0xc7, 0xc0, 0x0e, 0, 0, 0, 0x0f, 0x05}), false, false},
		{"short", []byte{1, 2, 3}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsSigreturn(tc.code, tc.exact); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
