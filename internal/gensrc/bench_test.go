package gensrc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/golibcare/golibcare/internal/asm"
	"github.com/golibcare/golibcare/internal/testutil"
)

const (
	benchFuncs   = 5000
	benchChanged = 10
)

// largeSource returns a C file of n small functions of mixed kinds; the
// functions whose index is in changed get a different constant.
func largeSource(n int, changed map[int]bool) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\n\nint g_acc;\nint g_arr[64];\n\n")
	for i := 0; i < n; i++ {
		k := 1
		if changed[i] {
			k = 2
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "int f%d(int x) { g_acc += x * %d + %d; return g_acc ^ %d; }\n", i, i%7+k, i, i*k)
		case 1:
			fmt.Fprintf(&b, "void f%d(int x) { printf(\"f%d says %%d (%d)\\n\", x + %d); }\n", i, i, k, i)
		case 2:
			fmt.Fprintf(&b, "int f%d(int x) {\n\tswitch (x) {\n", i)
			for c := 0; c < 8; c++ {
				fmt.Fprintf(&b, "\tcase %d: return g_arr[%d] + %d;\n", c, (c*7+i)%64, c*i+k)
			}
			b.WriteString("\t}\n\treturn -1;\n}\n")
		case 3:
			fmt.Fprintf(&b, "int f%d(void) { static int counter = %d; counter += %d; return counter; }\n", i, i, k)
		case 4:
			fmt.Fprintf(&b, "int f%d(int n) { int s = 0; for (int i = 0; i < n && i < 64; i++) s += g_arr[i] * %d; return s; }\n", i, k+i%3)
		}
	}
	return b.String()
}

type largeInput struct {
	dir, orig, patched string
	err                error
}

var largeOnce sync.Once
var large largeInput

// largeFiles compiles the large benchmark source pair once per test
// binary (gcc -O2 -S).
func largeFiles(b *testing.B) (orig, patched string) {
	b.Helper()
	testutil.MustHaveGCC(b)
	largeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gensrc-bench-")
		if err != nil {
			large.err = err
			return
		}
		large.dir = dir
		changed := map[int]bool{}
		for i := 0; i < benchChanged; i++ {
			changed[i*benchFuncs/benchChanged+3] = true
		}
		for name, ch := range map[string]map[int]bool{"orig": nil, "patched": changed} {
			if err := os.WriteFile(filepath.Join(dir, name+".c"), []byte(largeSource(benchFuncs, ch)), 0o644); err != nil {
				large.err = err
				return
			}
			cmd := exec.Command("gcc", "-O2", "-S", "-o", name+".s", name+".c")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				large.err = fmt.Errorf("gcc: %v\n%s", err, out)
				return
			}
		}
		p := filepath.Join(dir, "patched.s")
		s, _ := os.ReadFile(p)
		large.err = os.WriteFile(p, []byte(strings.Replace(string(s), `"patched.c"`, `"orig.c"`, 1)), 0o644)
		large.orig, large.patched = filepath.Join(dir, "orig.s"), p
	})
	if large.err != nil {
		b.Fatal(large.err)
	}
	return large.orig, large.patched
}

// BenchmarkGensrcLarge times parsing both files, diffing and writing the
// output for ≈3 MB of gcc -O2 assembly with 10 changed functions.
func BenchmarkGensrcLarge(b *testing.B) {
	origPath, patchedPath := largeFiles(b)
	o, p := readFile(b, origPath), readFile(b, patchedPath)
	b.SetBytes(int64(len(o) + len(p)))
	b.ReportAllocs()
	for b.Loop() {
		f0, err := asm.Parse("orig.s", o)
		if err != nil {
			b.Fatal(err)
		}
		f1, err := asm.Parse("patched.s", p)
		if err != nil {
			b.Fatal(err)
		}
		out, err := Generate(f0, f1, Options{ForceGlobal: true, ForceGOTPCREL: true})
		if err != nil {
			b.Fatal(err)
		}
		if n := strings.Count(string(out), "kpatch begin"); n < benchChanged {
			b.Fatalf("got %d changed functions, want at least %d", n, benchChanged)
		}
	}
}

// rssLauncher is a tiny C program that forks, execs its arguments and
// prints the child's peak RSS. Go's os/exec starts children with
// CLONE_VM, and the kernel records the (shared, large) parent's RSS
// high-water mark into the child's ru_maxrss at exec, so the benchmark
// process cannot measure the tool directly.
const rssLauncher = `#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	int st;
	struct rusage ru;
	pid_t p = fork();
	if (p == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (p < 0 || wait4(p, &st, 0, &ru) < 0)
		return 1;
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
`

// BenchmarkGensrcLargeBinary runs the built kpatch_gensrc on the same
// input and reports its peak RSS (maxrss-KiB) next to the wall time.
func BenchmarkGensrcLargeBinary(b *testing.B) {
	origPath, patchedPath := largeFiles(b)
	tool := testutil.Tool(b, "kpatch_gensrc")
	dir := b.TempDir()
	testutil.WriteFile(b, dir, "rss.c", rssLauncher)
	testutil.Run(b, dir, "gcc", "-O2", "-o", "rss", "rss.c")
	out := filepath.Join(dir, "out.s")
	var maxrss int64
	for b.Loop() {
		cmd := exec.Command(filepath.Join(dir, "rss"), tool, "--test-mode", "--force-global", "--force-gotpcrel", "-i", origPath, "-i", patchedPath, "-o", out)
		msg, err := cmd.Output()
		if err != nil {
			b.Fatalf("kpatch_gensrc: %v\n%s", err, msg)
		}
		rss, err := strconv.ParseInt(strings.TrimSpace(string(msg)), 10, 64)
		if err != nil {
			b.Fatalf("launcher output %q: %v", msg, err)
		}
		maxrss = max(maxrss, rss)
	}
	b.ReportMetric(float64(maxrss), "maxrss-KiB")
}
