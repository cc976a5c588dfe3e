package apply

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// gcHeadroom is how much the runtime's memory may grow while the collector
// is held off before it runs anyway: far more than one stop window
// allocates, far less than a server may use.
const gcHeadroom = 64 << 20

// gcHold is the process-wide "collector off" that stop windows share. The
// setting is process-wide, so concurrent operations (the server patches
// several processes at once) count their windows: the first one in saves
// the settings, the last one out restores them. Without the count, one
// window restored "off" that another had saved, and the server never
// collected again.
var gcHold struct {
	sync.Mutex
	n       int
	percent int   // GOGC before the first window
	limit   int64 // GOMEMLIMIT before the first window
}

// pauseGC turns the collector off until the returned function is called,
// except that a soft memory limit of what the runtime holds now plus
// gcHeadroom still starts a collection: windows that keep overlapping on a
// busy server cannot grow the heap without bound.
func pauseGC() (resume func()) {
	gcHold.Lock()
	if gcHold.n == 0 {
		gcHold.limit = debug.SetMemoryLimit(-1)
		limit := gcHold.limit
		if limit > gcHeadroom { // else it is below what the sum could be
			limit = min(limit, runtimeMemory()+gcHeadroom)
		}
		debug.SetMemoryLimit(limit)
		gcHold.percent = debug.SetGCPercent(-1)
	}
	gcHold.n++
	gcHold.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			gcHold.Lock()
			defer gcHold.Unlock()
			if gcHold.n--; gcHold.n == 0 {
				debug.SetGCPercent(gcHold.percent)
				debug.SetMemoryLimit(gcHold.limit)
			}
		})
	}
}

// LimitMemory sets the soft memory limit of a short-lived command to
// gcHeadroom (unless it is lower already). pauseGC then has no need to
// measure the runtime's memory: ReadMemStats flushes every cache and
// touches about 0.5 MiB, a tenth of what a libcare-ctl call needs.
// Above the limit the collector runs harder; it does not fail.
func LimitMemory() {
	debug.SetMemoryLimit(min(debug.SetMemoryLimit(-1), gcHeadroom))
}

// runtimeMemory is the memory the runtime's limit is measured against:
// everything it has mapped, less what it returned to the system. It reads
// MemStats rather than runtime/metrics, whose package init costs every
// libcare-ctl call most of a millisecond; the stop-the-world of
// ReadMemStats happens before the target is stopped.
func runtimeMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapReleased)
}
