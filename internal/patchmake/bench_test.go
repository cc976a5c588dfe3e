package patchmake_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// benchModules × benchFuncs is the generated project's size: six modules of
// forty functions plus main, compiled at -O2.
const (
	benchModules = 6
	benchFuncs   = 40
)

// BenchmarkPatchMake compares libcare-patch-make with a plain `make clean
// && make` at the same -j, alternating the two, and reports the median
// ratios: "first" is a full run (--no-cache: the original build, one
// changed function built again, the patch), "second" a patch against the
// same base with another diff, which reuses the cached original build.
// Targets: first ≤ 1.15x (the C tool: 1.24x), second ≤ 0.25x.
func BenchmarkPatchMake(b *testing.B) {
	pm := patchMake(b)
	dir := b.TempDir()
	writeBenchProject(b, dir)
	out := b.TempDir()
	plain := func() time.Duration {
		start := time.Now()
		testutil.Run(b, dir, "sh", "-c", "make clean >/dev/null && make >/dev/null")
		return time.Since(start)
	}
	lpm := func(args ...string) time.Duration {
		start := time.Now()
		if res, err := testutil.RunErr(dir, pm, append([]string{"-o", out}, args...)...); err != nil {
			b.Fatalf("libcare-patch-make %v: %v\n%s", args, err, res)
		}
		return time.Since(start)
	}
	testutil.Run(b, dir, "make", "clean")
	var first, second []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := plain()
		testutil.Run(b, dir, "make", "clean") // the tree as a user keeps it: no stale objects
		first = append(first, lpm("--no-cache", "bench.patch").Seconds()/q.Seconds())
		second = append(second, lpm("bench2.patch").Seconds()/q.Seconds())
	}
	b.ReportMetric(median(first), "x-plain-first")
	b.ReportMetric(median(second), "x-plain-second")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// writeBenchProject writes the generated project, its makefile and a
// one-function diff (made with diff -u against a modified copy).
func writeBenchProject(b *testing.B, dir string) {
	b.Helper()
	var objs []string
	var decls, calls strings.Builder
	for m := 0; m < benchModules; m++ {
		testutil.WriteFile(b, dir, fmt.Sprintf("mod%d.c", m), benchModule(m, -1))
		objs = append(objs, fmt.Sprintf("mod%d.o", m))
		fmt.Fprintf(&decls, "int f%d_0(int);\n", m)
		fmt.Fprintf(&calls, "\ts += f%d_0(argc);\n", m)
	}
	testutil.WriteFile(b, dir, "main.c", "#include <stdio.h>\n"+decls.String()+
		"int main(int argc, char **argv)\n{\n\tint s = 0;\n"+calls.String()+"\tprintf(\"%d\\n\", s);\n\treturn 0;\n}\n")
	objs = append(objs, "main.o")
	mk := fmt.Sprintf("CFLAGS = -O2\nOBJS = %s\n\nall: prog\n\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\n"+
		"%%.o: %%.c\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\nclean:\n\trm -f prog $(OBJS)\n\n"+
		"install: prog\n\tmkdir -p $(DESTDIR)\n\tcp prog $(DESTDIR)/\n", strings.Join(objs, " "))
	testutil.WriteFile(b, dir, "makefile", mk)
	alt := b.TempDir()
	testutil.WriteFile(b, alt, "mod3.c", benchModule(3, 7))
	out, err := exec.Command("diff", "-u", "--label", "a/mod3.c", "--label", "b/mod3.c",
		filepath.Join(dir, "mod3.c"), filepath.Join(alt, "mod3.c")).Output()
	if err == nil || len(out) == 0 {
		b.Fatalf("diff: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bench.patch"), out, 0o644); err != nil {
		b.Fatal(err)
	}
	testutil.WriteFile(b, alt, "mod2.c", benchModule(2, 5))
	out, err = exec.Command("diff", "-u", "--label", "a/mod2.c", "--label", "b/mod2.c",
		filepath.Join(dir, "mod2.c"), filepath.Join(alt, "mod2.c")).Output()
	if err == nil || len(out) == 0 {
		b.Fatalf("diff: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bench2.patch"), out, 0o644); err != nil {
		b.Fatal(err)
	}
}

// benchModule is module m; function changed (if ≥ 0) gets another constant.
func benchModule(m, changed int) string {
	var s strings.Builder
	for f := benchFuncs - 1; f >= 0; f-- {
		k := m*1000 + f
		if f == changed {
			k += 17
		}
		fmt.Fprintf(&s, "int f%d_%d(int x)\n{\n\tint acc = %d;\n", m, f, k)
		fmt.Fprintf(&s, "\tfor (int i = 0; i < x * 8; i++) {\n\t\tacc = acc * 31 + (i ^ %d);\n\t\tif (acc %% 7 == %d)\n\t\t\tacc >>= 1;\n\t}\n", k, f%7)
		if f+1 < benchFuncs {
			fmt.Fprintf(&s, "\treturn acc + f%d_%d(x - 1);\n}\n\n", m, f+1)
		} else {
			s.WriteString("\treturn acc;\n}\n\n")
		}
	}
	return s.String()
}
