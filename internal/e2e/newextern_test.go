package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestManualFlowNewStderr runs the README's manual commands verbatim with
// a bar.c that newly writes to stderr, a variable of libc that foo.c never
// names (no copy relocation in foo): the patch applies and the process
// writes to its stderr.
func TestManualFlowNewStderr(t *testing.T) {
	testutil.MustHaveGCC(t)
	testutil.MustHavePtrace(t)
	for _, tool := range []string{"kpatch_gensrc", "kpatch_strip", "kpatch_make"} {
		testutil.Tool(t, tool)
	}
	dir := testutil.CopyFixture(t, "guide")
	bar, err := os.ReadFile(filepath.Join(testutil.CopyFixture(t, "guidestderr"), "bar.c"))
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, dir, "bar.c", string(bar))
	script, err := os.ReadFile(filepath.Join(dir, "manual.sh"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := "set -e; export PATH=" + testutil.ToolDir() + ":$PATH\n" + strings.ReplaceAll(string(script), " ; ", " && ")
	testutil.Run(t, dir, "bash", "-c", cmd)
	if s, _ := os.ReadFile(filepath.Join(dir, "foobar.s")); !strings.Contains(string(s), "stderr@GOTPCREL(%rip)") {
		t.Errorf("foobar.s: got no GOT load of stderr")
	}

	target, out := testutil.StartTarget(t, "stdbuf", "-oL", filepath.Join(dir, "foo"))
	testutil.WaitOutput(t, out, "Hello world!\n", 10*time.Second)
	p := fmt.Sprint(target.Process.Pid)
	r := testutil.MustCtl(t, "patch", "-p", p, filepath.Join(dir, "foo.kpatch"))
	if !strings.Contains(r.Stdout, "successfully applied") {
		t.Errorf("patch: got %q, want success", r.Stdout)
	}
	waitAfter(t, out, 0, "stderr reached")
	waitAfter(t, out, 0, "Hello world being patched!")
	testutil.MustCtl(t, "unpatch", "-p", p)
	mark := out.Len()
	waitAfter(t, out, mark, "Hello world!")
	testutil.CheckUntraced(t, target.Process.Pid)
}
