package placement

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mustUnshare skips when this process may not make a mount namespace.
func mustUnshare(t *testing.T) {
	t.Helper()
	if err := exec.Command("unshare", "--mount", "true").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("unshare --mount under CI: %v", err)
		}
		t.Skipf("skipping test: unshare --mount: %v", err)
	}
}

// TestWrap: the command sees the tree at the path and writes into it;
// the host gets neither the path nor a mount.
func TestWrap(t *testing.T) {
	mustUnshare(t)
	for _, at := range []string{"/build/reproducible-path/pkg-1.0", "/golibcare-placement-test/reproducible-path/pkg-1.0",
		"/mnt/golibcare-placement-test/pkg-1.0"} {
		t.Run(at, func(t *testing.T) {
			_, statErr := os.Stat(filepath.Dir(filepath.Dir(at)))
			dir, scratch := t.TempDir(), t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "in"), []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			p := Place{Dir: dir, At: at, Scratch: scratch}
			if err := p.Check(); err != nil {
				t.Fatal(err)
			}
			cmd := []string{"sh", "-c", `pwd; cat in; echo made > out`}
			argv := p.Wrap(cmd)
			if inner, ok := Inner(argv); !ok || strings.Join(inner, " ") != strings.Join(cmd, " ") {
				t.Errorf("Inner: got %q, %v; want %q", inner, ok, cmd)
			}
			out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %v\n%s", argv[:4], err, out)
			}
			if lines := strings.Split(string(out), "\n"); lines[0] != at || lines[1] != "x" {
				t.Errorf("got output %q, want the path %s and the file's content", out, at)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "out")); err != nil || string(b) != "made\n" {
				t.Errorf("the tree on the host: out = %q, %v; want \"made\\n\"", b, err)
			}
			if _, err := os.Stat(at); err == nil {
				t.Errorf("%s exists on the host after the command", at)
			}
			if _, err := os.Stat(filepath.Dir(filepath.Dir(at))); (err == nil) != (statErr == nil) {
				t.Errorf("the top directory's existence changed on the host: %v then %v", statErr, err)
			}
			if m, _ := os.ReadFile("/proc/self/mounts"); strings.Contains(string(m), at) || strings.Contains(string(m), scratch) {
				t.Errorf("a mount leaked to the host:\n%s", m)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, p := range []Place{
		{Dir: "/a", At: "rel", Scratch: "/s"},
		{Dir: "/a", At: "/", Scratch: "/s"},
		{Dir: "a", At: "/b", Scratch: "/s"},
		{Dir: "/b/c", At: "/b/d", Scratch: "/s"},
		{Dir: "/a", At: "/b/d", Scratch: "/b/s"},
	} {
		if err := p.Check(); err == nil {
			t.Errorf("Check(%+v): got nil, want an error", p)
		}
	}
}
