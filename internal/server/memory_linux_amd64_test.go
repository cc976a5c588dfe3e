package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golibcare/golibcare/internal/testutil"
)

// Load of TestServerMemory: requests in all, the first ones after which
// the server's size is the reference, and concurrent clients besides the
// one patcher per target.
const (
	memRequests = 6000
	memWarmup   = 100
	memClients  = 6
	memTargets  = 3
)

// rssKiB reads VmRSS of pid.
func rssKiB(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// startServerProcess runs `libcare-ctl server` as its own process (so its memory
// is its own), with the runtime's GC trace on its stderr, and waits until
// it accepts connections.
func startServerProcess(t *testing.T, sock string) (*exec.Cmd, *testutil.Output) {
	t.Helper()
	cmd := exec.Command(testutil.Tool(t, "libcare-ctl"), "server", sock, t.TempDir())
	cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	trace := &testutil.Output{}
	cmd.Stderr = trace
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("unix", sock)
		if err == nil {
			c.Close()
			return cmd, trace
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not accepting on %s after 10s: %v\n%s", sock, err, trace.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// send sends one raw request and reads the whole answer.
func send(sock string, msg []byte) (string, error) {
	c, err := net.DialTimeout("unix", sock, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return "", err
	}
	c.(*net.UnixConn).CloseWrite()
	b, err := io.ReadAll(c)
	return string(b), err
}

func request(args ...string) []byte {
	b, err := EncodeRequest(args)
	if err != nil {
		panic(err)
	}
	return b
}

// cheapRequests are the volume: real info of a target, refusals of all
// kinds, malformed requests.
func cheapRequests(target int) [][]byte {
	return [][]byte{
		request("info", "-p", strconv.Itoa(target)),
		request("info", "-p", strconv.Itoa(target), "--json"),
		request("info", "-p", "999999999"),
		request("patch", "-p", "999999999", "/dev/zero"),
		request("unpatch", "-p", "999999999"),
		request("frobnicate"),
		[]byte("no terminator"),
		[]byte{0, 0},
		[]byte(strings.Repeat("x", MaxRequest)), // all of it read: no reset
	}
}

// TestServerMemory drives a server process with concurrent patch/unpatch
// of live processes (whose stop windows overlap) and thousands of cheap
// requests: its resident size at the end stays within twice its size after
// the first requests, and the collector keeps running. Overlapping stop
// windows used to restore each other's "GC off", after which the server
// never collected again.
func TestServerMemory(t *testing.T) {
	testutil.MustHavePtrace(t)
	dir := testutil.CopyFixture(t, "server")
	pb := testutil.BuildManualPatch(t, testutil.ManualOpts{Dir: dir, Orig: "loop.c", Patched: "loop.patched.c"})
	var targets []int
	for i := 0; i < memTargets; i++ {
		cmd, _ := testutil.StartTarget(t, pb.Binary)
		targets = append(targets, cmd.Process.Pid)
	}
	sock := filepath.Join(t.TempDir(), "mem.sock")
	srv, trace := startServerProcess(t, sock)

	var done atomic.Int64
	var warmRSS atomic.Int64
	var warmTrace atomic.Int64
	count := func() {
		if done.Add(1) == memWarmup {
			rss, err := rssKiB(srv.Process.Pid)
			if err != nil {
				rss = -1 // reported below
			}
			warmRSS.Store(int64(rss))
			warmTrace.Store(int64(trace.Len()))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	errs := make(chan error, memClients+memTargets)
	var wg sync.WaitGroup
	var patched atomic.Int64
	for _, pid := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- patchLoop(ctx, sock, pid, pb.Kpatch, &done, count, &patched)
		}()
	}
	for c := 0; c < memClients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reqs := cheapRequests(targets[c%len(targets)])
			for i := c; done.Load() < memRequests && ctx.Err() == nil; i++ {
				if _, err := send(sock, reqs[i%len(reqs)]); err != nil {
					errs <- fmt.Errorf("request %d: %w", i, err)
					return
				}
				count()
			}
			errs <- nil
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("%d requests not answered in time (%d done)", memRequests, done.Load())
	}
	end, err := rssKiB(srv.Process.Pid)
	warm := int(warmRSS.Load())
	if err != nil || warm <= 0 {
		t.Fatalf("server RSS: %v (after the warm-up: %d KiB)", err, warm)
	}
	gcs := strings.Count(trace.String()[warmTrace.Load():], "\ngc ")
	t.Logf("%d requests (%d patch/unpatch): server RSS %d KiB after %d, %d KiB at the end (%.2fx); %d GC cycles after the warm-up",
		done.Load(), patched.Load(), warm, memWarmup, end, float64(end)/float64(warm), gcs)
	if patched.Load() < 2*memTargets {
		t.Errorf("only %d patch/unpatch requests ran, want the stop windows to overlap", patched.Load())
	}
	// At most twice the warm-up's RSS, or 24 MiB more when that is small
	// (a lean server starts near 14 MiB, and overlapping stop windows may
	// hold the collector off for up to gcHeadroom); unbounded growth went
	// to hundreds of MiB here.
	if limit := max(2*warm, warm+24<<10); end > limit {
		t.Errorf("server RSS grew from %d KiB after %d requests to %d KiB after %d, want at most %d KiB", warm, memWarmup, end, done.Load(), limit)
	}
	if gcs == 0 {
		t.Errorf("no GC cycle after the warm-up: the collector stayed off")
	}
}

// patchLoop patches and unpatches one target until the run is over, and
// leaves it unpatched.
func patchLoop(ctx context.Context, sock string, pid int, kpatch string, done *atomic.Int64, count func(), patched *atomic.Int64) error {
	p := strconv.Itoa(pid)
	for done.Load() < memRequests && ctx.Err() == nil {
		out, err := send(sock, request("patch", "-p", p, kpatch))
		if err != nil {
			return fmt.Errorf("patch %d: %w", pid, err)
		}
		if !strings.Contains(out, "successfully applied") {
			return fmt.Errorf("patch %d: %s", pid, out)
		}
		count()
		if out, err = send(sock, request("unpatch", "-p", p)); err != nil {
			return fmt.Errorf("unpatch %d: %w", pid, err)
		}
		if !strings.Contains(out, "successfully cancelled") {
			return fmt.Errorf("unpatch %d: %s", pid, out)
		}
		count()
		patched.Add(2)
	}
	return nil
}
