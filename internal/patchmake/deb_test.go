package patchmake_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// The Debian package of the end-to-end test: bookworm's memcached, whose
// archive binary this build reproduces bit for bit (issue 9).
const (
	debSource  = "memcached"
	debVersion = "1.6.18-1+deb12u1"
	debBuildID = "cb4951e778913a1598cb9fa92e8c377dfc545320"
)

// debTimeout bounds the whole --deb run: dpkg-buildpackage, then the
// patched rebuild of what the diff changed.
const debTimeout = 40 * time.Minute

// privateApt writes an apt configuration in dir whose sources are the
// machine's own, with a deb-src entry beside each deb one; the system's
// apt configuration is only read. It returns the environment entry.
func privateApt(t *testing.T, dir string) string {
	t.Helper()
	parts := filepath.Join(dir, "sources.list.d")
	for _, d := range []string{parts, filepath.Join(dir, "lists", "partial"), filepath.Join(dir, "cache", "archives", "partial")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var list strings.Builder
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*")
	for _, f := range append([]string{"/etc/apt/sources.list"}, files...) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(f, ".sources"):
			out := strings.ReplaceAll(string(b), "Types: deb\n", "Types: deb deb-src\n")
			testutil.WriteFile(t, parts, filepath.Base(f), out)
		case strings.HasSuffix(f, ".list") || f == "/etc/apt/sources.list":
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "deb ") {
					list.WriteString(l + "\n" + "deb-src " + strings.TrimPrefix(l, "deb ") + "\n")
				}
			}
		}
	}
	testutil.WriteFile(t, dir, "sources.list", list.String())
	conf := fmt.Sprintf("Dir::Etc::sourcelist %q;\nDir::Etc::sourceparts %q;\nDir::State::lists %q;\nDir::Cache %q;\n",
		filepath.Join(dir, "sources.list"), parts, filepath.Join(dir, "lists"), filepath.Join(dir, "cache"))
	return "APT_CONFIG=" + testutil.WriteFile(t, dir, "apt.conf", conf)
}

// apt runs apt-get with the private configuration in dir.
func apt(dir, aptEnv string, args ...string) (string, error) {
	cmd := exec.Command("apt-get", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), aptEnv, "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// fetchDeb downloads the source and binary packages into dir and installs
// the build dependencies; it skips the test when the archive cannot be
// reached.
func fetchDeb(t *testing.T, dir string) (dsc, deb string) {
	t.Helper()
	aptEnv := privateApt(t, t.TempDir())
	if out, err := apt(dir, aptEnv, "update"); err != nil || strings.Contains(out, "Err:") {
		t.Skipf("skipping test: the Debian archive cannot be reached: apt-get update: %v\n%s", err, out)
	}
	pkg := debSource + "=" + debVersion
	for _, args := range [][]string{{"source", "--download-only", pkg}, {"download", pkg}} {
		if out, err := apt(dir, aptEnv, args...); err != nil {
			if strings.Contains(out, "Failed to fetch") || strings.Contains(out, "Unable to fetch") {
				t.Skipf("skipping test: the Debian archive cannot be reached: apt-get %s: %v\n%s", args[0], err, out)
			}
			t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// The build dependencies Debian built with: libssl-dev's headers are
	// in the debug info, so it is the current security update.
	for _, args := range [][]string{{"build-dep", "-y", pkg}, {"install", "-y", "--only-upgrade", "libssl-dev", "libssl3"}} {
		if out, err := apt(dir, aptEnv, args...); err != nil {
			t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	dsc = filepath.Join(dir, fmt.Sprintf("%s_%s.dsc", debSource, debVersion))
	deb = filepath.Join(dir, fmt.Sprintf("%s_%s_amd64.deb", debSource, debVersion))
	for _, f := range []string{dsc, deb} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("apt-get left no %s: %v", f, err)
		}
	}
	return dsc, deb
}

// mustDebBuild skips where a --deb run cannot work: not root (apt-get
// build-dep, mount namespaces), no dpkg-dev or debhelper.
func mustDebBuild(t *testing.T) {
	t.Helper()
	skip := func(format string, args ...any) {
		if testutil.InCI() {
			t.Fatalf(format, args...)
		}
		t.Skipf("skipping test: "+format, args...)
	}
	if os.Geteuid() != 0 {
		skip("--deb needs root (apt-get build-dep, a mount namespace)")
	}
	for _, c := range []string{"apt-get", "dpkg-buildpackage", "unshare"} {
		if _, err := exec.LookPath(c); err != nil {
			skip("%s unavailable: %v", c, err)
		}
	}
}

// TestDebPackage: bookworm's memcached source package is built with
// --deb into the archive binary's Build-ID, a bounds check on incr's delta
// argument becomes a patch, and the archive's own binary, running, gets
// the fix live (seen by a client) and loses it on unpatch.
func TestDebPackage(t *testing.T) {
	patchMake(t)
	mustDebBuild(t)
	testutil.MustHavePtrace(t)
	dl := t.TempDir()
	dsc, deb := fetchDeb(t, dl)
	if _, err := exec.LookPath("dh_auto_build"); err != nil {
		t.Fatalf("apt-get build-dep installed no debhelper: %v", err)
	}
	out := t.TempDir()
	fix := filepath.Join(testutil.RepoRoot(t), "fixtures", "patchmake", "deb", "memcached-delta-length.patch")
	r := runLong(t, out, "-o", out, "-j", fmt.Sprint(runtime.NumCPU()), "--deb", dsc, "--deb-binary", deb, fix)
	if r.code != 0 {
		t.Fatalf("libcare-patch-make --deb exited %d:\n%s", r.code, tail(r.out, 60))
	}
	kp := filepath.Join(out, "patchroot", debBuildID+".kpatch")
	if _, err := os.Stat(kp); err != nil {
		t.Fatalf("no patch for the archive's Build-ID: %v\n%s", err, tail(r.out, 30))
	}
	if b, err := os.ReadFile(filepath.Join(out, "patchroot", debBuildID+".target")); err != nil || !strings.HasPrefix(string(b), "/usr/bin/memcached\n") {
		t.Errorf("target file: %q, %v; want it to name /usr/bin/memcached", b, err)
	}

	root := t.TempDir()
	testutil.Run(t, root, "dpkg-deb", "-x", deb, root)
	bin := filepath.Join(root, "usr", "bin", "memcached")
	port := freePort(t)
	cmd, log := testutil.StartTarget(t, bin, "-u", "root", "-l", "127.0.0.1", "-p", fmt.Sprint(port), "-U", "0", "-m", "16")
	c := dialRetry(t, port, log)
	const long = "incr k 0000000000000000000001" // 22 digits: fine before the fix
	c.expect(t, "set k 0 0 1\r\n5", "STORED")
	c.expect(t, long, "6")
	pid := fmt.Sprint(cmd.Process.Pid)
	testutil.MustCtl(t, "patch", "-p", pid, kp)
	c.expect(t, long, "CLIENT_ERROR delta argument too long")
	c.expect(t, "incr k 1", "7")
	testutil.MustCtl(t, "unpatch", "-p", pid)
	c.expect(t, long, "8")
	testutil.CheckUntraced(t, cmd.Process.Pid)
}

// runLong is runPMEnv with the --deb run's deadline.
func runLong(t *testing.T, dir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), debTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, patchMake(t), args...)
	cmd.Dir = dir
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return result{out: buf.String(), code: ee.ExitCode()}
	} else if err != nil {
		t.Fatalf("run libcare-patch-make: %v", err)
	}
	return result{out: buf.String()}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// client is one text-protocol connection.
type client struct {
	conn net.Conn
	rd   *bufio.Reader
}

// dialRetry connects to the server on port, waiting up to 10 s for it
// to listen.
func dialRetry(t *testing.T, port int, log *testutil.Output) *client {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			t.Cleanup(func() { conn.Close() })
			return &client{conn: conn, rd: bufio.NewReader(conn)}
		}
		if time.Now().After(deadline) {
			t.Fatalf("memcached does not listen on %d: %v\n%s", port, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// expect sends a request and checks the one-line reply.
func (c *client) expect(t *testing.T, req, want string) {
	t.Helper()
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write([]byte(req + "\r\n")); err != nil {
		t.Fatalf("send %q: %v", req, err)
	}
	line, err := c.rd.ReadString('\n')
	if err != nil {
		t.Fatalf("reply to %q: %v", req, err)
	}
	if got := strings.TrimRight(line, "\r\n"); got != want {
		t.Errorf("reply to %q: got %q, want %q", req, got, want)
	}
}
