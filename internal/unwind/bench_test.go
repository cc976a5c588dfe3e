package unwind

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// countingMem counts the reads that reach the target.
type countingMem struct {
	MemReader
	reads int
}

func (m *countingMem) ReadAt(p []byte, off int64) (int, error) {
	m.reads++
	return m.MemReader.ReadAt(p, off)
}

// TestUnwindProcMem unwinds a live (sleeping) fixture through
// /proc/pid/mem, the reader libcare-ctl uses, and checks it finds the same
// frames as from the dump, in a handful of reads.
func TestUnwindProcMem(t *testing.T) {
	v := variants[2] // O2-pie
	for _, mode := range []string{"direct", "qsort", "thread"} {
		t.Run(mode, func(t *testing.T) {
			pid, c := startHeld(t, buildFixture(t, "chain.c", v), mode)
			objs := objects(t, c)
			want, _, err := Unwind(c.regs, modules(objs), c.stack, 64)
			if err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
			if err != nil {
				t.Skipf("skipping test: cannot open /proc/%d/mem: %v", pid, err)
			}
			defer f.Close()
			mem := &countingMem{MemReader: f}
			got, complete, err := Unwind(c.regs, modules(objs), mem, 64)
			if err != nil || !complete || !slices.Equal(got, want) {
				t.Fatalf("got %#x (complete %v, err %v), want %#x complete", got, complete, err, want)
			}
			if mem.reads > 2 {
				t.Errorf("got %d reads of /proc/%d/mem for %d frames, want at most 2", mem.reads, pid, len(got))
			}
		})
	}
}

// fileMem serves a stack dump from a file, so reads cost a syscall as
// /proc/pid/mem reads do.
type fileMem struct {
	f    *os.File
	base uint64
}

func (m fileMem) ReadAt(p []byte, off int64) (int, error) {
	return m.f.ReadAt(p, off-int64(m.base))
}

func BenchmarkUnwind(b *testing.B) {
	for _, mode := range []string{"direct", "qsort", "thread"} {
		c := runCapture(b, buildFixture(b, "chain.c", variants[2]), mode)
		mods := modules(objects(b, c))
		path := b.TempDir() + "/stack"
		if err := os.WriteFile(path, c.stack.data, 0o644); err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		readers := []struct {
			name string
			mem  MemReader
		}{{"mem", c.stack}, {"file", fileMem{f, c.stack.base}}}
		for _, r := range readers {
			b.Run(mode+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				frames := 0
				for b.Loop() {
					pcs, complete, err := Unwind(c.regs, mods, r.mem, 64)
					if err != nil || !complete {
						b.Fatalf("complete %v, err %v", complete, err)
					}
					frames = len(pcs)
				}
				b.ReportMetric(float64(frames), "frames")
			})
		}
	}
}

func BenchmarkLoadLibc(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadFile(libcPath); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnwindProcMem unwinds a live fixture through /proc/pid/mem,
// the cost libcare-ctl pays per thread while the target is stopped.
func BenchmarkUnwindProcMem(b *testing.B) {
	for _, mode := range []string{"direct", "thread"} {
		b.Run(mode, func(b *testing.B) {
			pid, c := startHeld(b, buildFixture(b, "chain.c", variants[2]), mode)
			mods := modules(objects(b, c))
			f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
			if err != nil {
				b.Skipf("skipping: %v", err)
			}
			defer f.Close()
			b.ReportAllocs()
			for b.Loop() {
				if _, complete, err := Unwind(c.regs, mods, f, 64); err != nil || !complete {
					b.Fatalf("complete %v, err %v", complete, err)
				}
			}
		})
	}
}
