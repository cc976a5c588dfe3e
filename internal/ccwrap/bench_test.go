package ccwrap

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// The generated project of BenchmarkOriginalStage: benchModules modules of
// benchFuncs functions plus main, compiled with -g -O2 one file at a time.
const (
	benchModules = 6
	benchFuncs   = 40
)

// BenchmarkOriginalStage compares `make` with CC=libcare-cc in the
// original stage (as libcare-patch-make runs it) against a plain `make`,
// alternating the two from clean; it reports the median ratio. The
// original stage's only extra work is keeping the assembly (design §3.8).
func BenchmarkOriginalStage(b *testing.B) {
	testutil.MustHaveGCC(b)
	cc := testutil.Tool(b, "libcare-cc")
	dir := b.TempDir()
	writeBenchProject(b, dir)
	env := []string{}
	for _, e := range os.Environ() {
		if k, _, _ := strings.Cut(e, "="); k != "MAKEFLAGS" && k != "MAKELEVEL" && k != "MFLAGS" {
			env = append(env, e)
		}
	}
	// build returns the wall time and the CPU time of make and everything
	// it ran (wait4 counts waited-for descendants), which a loaded machine
	// disturbs less.
	build := func(extraEnv []string, args ...string) (wall, cpu time.Duration) {
		clean := exec.Command("make", "clean")
		clean.Dir, clean.Env = dir, env
		if out, err := clean.CombinedOutput(); err != nil {
			b.Fatalf("make clean: %v\n%s", err, out)
		}
		cmd := exec.Command("make", args...)
		cmd.Dir, cmd.Env = dir, append(append([]string{}, env...), extraEnv...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	var ratios, cpuRatios, orig, plain []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, oc := build([]string{"KPATCH_STAGE=original", "KPCC_DBGFILTER_ARGS="}, "CC="+cc)
		p, pc := build(nil, "CC=gcc")
		ratios = append(ratios, o.Seconds()/p.Seconds())
		cpuRatios = append(cpuRatios, oc.Seconds()/pc.Seconds())
		orig, plain = append(orig, o.Seconds()), append(plain, p.Seconds())
	}
	b.ReportMetric(median(ratios), "x-plain-build")
	b.ReportMetric(median(cpuRatios), "x-plain-build-cpu")
	b.ReportMetric(median(orig)*1000, "ms-original-stage")
	b.ReportMetric(median(plain)*1000, "ms-plain-build")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func writeBenchProject(b *testing.B, dir string) {
	b.Helper()
	var objs []string
	var decls, calls strings.Builder
	for m := 0; m < benchModules; m++ {
		var s strings.Builder
		for f := benchFuncs - 1; f >= 0; f-- {
			k := m*1000 + f
			fmt.Fprintf(&s, "int f%d_%d(int x)\n{\n\tint acc = %d;\n", m, f, k)
			fmt.Fprintf(&s, "\tfor (int i = 0; i < x * 8; i++) {\n\t\tacc = acc * 31 + (i ^ %d);\n\t\tif (acc %% 7 == %d)\n\t\t\tacc >>= 1;\n\t}\n", k, f%7)
			if f+1 < benchFuncs {
				fmt.Fprintf(&s, "\treturn acc + f%d_%d(x - 1);\n}\n\n", m, f+1)
			} else {
				s.WriteString("\treturn acc;\n}\n\n")
			}
		}
		testutil.WriteFile(b, dir, fmt.Sprintf("mod%d.c", m), s.String())
		objs = append(objs, fmt.Sprintf("mod%d.o", m))
		fmt.Fprintf(&decls, "int f%d_0(int);\n", m)
		fmt.Fprintf(&calls, "\ts += f%d_0(argc);\n", m)
	}
	testutil.WriteFile(b, dir, "main.c", "#include <stdio.h>\n"+decls.String()+
		"int main(int argc, char **argv)\n{\n\tint s = 0;\n"+calls.String()+"\tprintf(\"%d\\n\", s);\n\treturn 0;\n}\n")
	objs = append(objs, "main.o")
	mk := fmt.Sprintf("CFLAGS = -g -O2\nOBJS = %s\n\nall: prog\n\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n"+
		"%%.o: %%.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\nclean:\n\trm -f prog $(OBJS) .kpatch_*\n", strings.Join(objs, " "))
	testutil.WriteFile(b, dir, "makefile", mk)
}
