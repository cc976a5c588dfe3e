package pipeline

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

var (
	nSeeds = flag.Int("pipeline.seeds", 0, "run this many generated seeds (default: the fixed default set)")
	seed0  = flag.Uint64("pipeline.seed0", 1, "first seed of a -pipeline.seeds run")
	only   = flag.String("pipeline.flags", "", "run only the seeds whose flag set name is in this comma separated list")
)

// defaultSeeds spread over the flag sets (seed s uses flagSets[s %
// len(flagSets)]), plus seeds that found bugs: 73 (-O0 leaf function
// storing to a global: --force-gotpcrel pushed over its red zone) and 14
// (new code reading optind and stderr: ld's copy relocations moved .bss).
var defaultSeeds = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 73}

func seeds() []uint64 {
	if *nSeeds <= 0 {
		return defaultSeeds
	}
	var out []uint64
	for i := range *nSeeds {
		if s := *seed0 + uint64(i); *only == "" || slices.Contains(strings.Split(*only, ","), flagsOf(s).name) {
			out = append(out, s)
		}
	}
	return out
}

// flagSet is one way of compiling both versions.
type flagSet struct {
	name    string
	cflags  []string
	ldflags []string
}

var flagSets = []flagSet{
	{"O0", []string{"-O0"}, nil},
	{"O1-nopie", []string{"-O1", "-fno-pie"}, []string{"-no-pie"}},
	{"O2", []string{"-O2"}, nil},
	{"Os-nopie", []string{"-Os", "-fno-pie"}, []string{"-no-pie"}},
	{"O2-cf", []string{"-O2", "-fcf-protection=full"}, nil},
	{"O1-ssp", []string{"-O1", "-fstack-protector-strong"}, nil},
	{"O2-nopie-ssp", []string{"-O2", "-fno-pie", "-fstack-protector-strong"}, []string{"-no-pie"}},
	{"O0-nopie-cf", []string{"-O0", "-fno-pie", "-fcf-protection=full"}, []string{"-no-pie"}},
	{"Os-cf-ssp", []string{"-Os", "-fcf-protection=full", "-fstack-protector-strong"}, nil},
	{"O3", []string{"-O3"}, nil},
	{"O2-fsections-nopie", []string{"-O2", "-ffunction-sections", "-fdata-sections", "-fno-pie"}, []string{"-no-pie"}},
	{"O2-noplt", []string{"-O2", "-fno-plt"}, nil},
	{"O1-fpic", []string{"-O1", "-fPIC", "-ftls-model=initial-exec"}, nil}, // general-dynamic TLS is refused by design
}

func flagsOf(seed uint64) flagSet { return flagSets[seed%uint64(len(flagSets))] }

// stats counts outcomes for the summary line of a long run.
var stats struct {
	sync.Mutex
	live, liveFail, weak, refused, ident, identFail int
}

func count(p *int) {
	stats.Lock()
	*p++
	stats.Unlock()
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	testutil.CleanupTools()
	if *nSeeds > 0 || testing.Verbose() {
		fmt.Fprintf(os.Stderr, "pipeline: live %d run, %d failed, %d with no visible change, %d patches refused as expected; identity %d run, %d failed\n",
			stats.live, stats.liveFail, stats.weak, stats.refused, stats.ident, stats.identFail)
	}
	os.Exit(code)
}
