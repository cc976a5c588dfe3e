package coverage

import (
	"os"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/procfs"
)

func TestState(t *testing.T) {
	free := &procfs.Status{Uid: [4]int{os.Geteuid(), os.Geteuid(), os.Geteuid(), os.Geteuid()}}
	traced := *free
	traced.TracerPid = os.Getpid()
	for _, tc := range []struct {
		name    string
		store   Patch
		applied []Patch
		st      *procfs.Status
		want    State
	}{
		{"current", Patch{"0002", 2}, []Patch{{"0002", 2}}, free, Patched},
		{"flat store", Patch{"0001", 0}, []Patch{{"0001", 3}}, free, Patched},
		{"older level", Patch{"0002", 2}, []Patch{{"0001", 1}}, free, Outdated},
		{"same id, older level", Patch{"0001", 2}, []Patch{{"0001", 1}}, free, Outdated},
		{"none", Patch{"0001", 1}, nil, free, Unpatched},
		{"traced", Patch{"0001", 1}, nil, &traced, Unpatchable},
		{"traced but current", Patch{"0001", 1}, []Patch{{"0001", 1}}, &traced, Patched},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := state(os.Getpid(), tc.st, Entry{Store: tc.store, Applied: tc.applied})
			if got != tc.want {
				t.Errorf("got %s (%s), want %s", got, why, tc.want)
			}
			if got == Unpatchable && !strings.Contains(why, "already traced by pid") {
				t.Errorf("got reason %q, want already traced", why)
			}
		})
	}
}

func TestAllCurrent(t *testing.T) {
	if !AllCurrent(nil) || AllCurrent([]Entry{{State: Patched}, {State: Outdated}}) {
		t.Errorf("AllCurrent: want true for none, false with an outdated entry")
	}
}
