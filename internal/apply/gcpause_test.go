package apply

import (
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// TestPauseGCOverlapping: windows that overlap in every order leave GOGC
// and GOMEMLIMIT as they found them (the bug: one window restored the "off"
// another had saved).
func TestPauseGCOverlapping(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 40))
	rng := rand.New(rand.NewPCG(1, 2))
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		d := time.Duration(rng.IntN(2000)) * time.Microsecond
		wg.Add(1)
		go func() {
			defer wg.Done()
			resume := pauseGC()
			time.Sleep(d)
			resume()
			resume() // a second call is harmless
		}()
	}
	wg.Wait()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("got GOGC %d after the windows, want 150", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("got GOMEMLIMIT %d after the windows, want %d", got, int64(1<<40))
	}
}

var sink []byte

// TestPauseGCBounded: while windows hold the collector off, garbage beyond
// the headroom still gets collected.
func TestPauseGCBounded(t *testing.T) {
	resume := pauseGC()
	defer resume()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 4*gcHeadroom>>20; i++ {
		sink = make([]byte, 1<<20)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.NumGC == before.NumGC {
		t.Errorf("no collection after %d MiB of garbage with the collector held off", 4*gcHeadroom>>20)
	}
	if after.HeapInuse > before.HeapInuse+2*gcHeadroom {
		t.Errorf("heap in use grew from %d to %d bytes, want at most %d more", before.HeapInuse, after.HeapInuse, 2*gcHeadroom)
	}
}
