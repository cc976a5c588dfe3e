package procfs

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseStatusCapture(t *testing.T) {
	b, err := os.ReadFile("testdata/sleep.status")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseStatus(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{Name: "sleep", State: "S", Tgid: 10092, Pid: 10092, PPid: 10089}
	if *s != want {
		t.Errorf("got %+v, want %+v", *s, want)
	}
}

func TestParseStatusErrors(t *testing.T) {
	full := "Name:\tx\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
	tests := []struct{ name, in, want string }{
		{"missing tracer", strings.Replace(full, "TracerPid:\t0\n", "", 1), "missing TracerPid"},
		{"bad pid", strings.Replace(full, "Pid:\t1", "Pid:\tx", 1), "status Pid"},
		{"short uid", strings.Replace(full, "Uid:\t0\t0\t0\t0", "Uid:\t0", 1), "want 4 ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseStatus(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %+v, %v, want error containing %q", s, err, tt.want)
			}
		})
	}
	if _, err := ParseStatus(strings.NewReader(full)); err != nil {
		t.Errorf("got %v for a complete status, want nil", err)
	}
}

func TestParseStatusSeccomp(t *testing.T) {
	base := "Name:\tx\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
	tests := []struct {
		name          string
		in            string
		mode, filters int
	}{
		{"filter", base + "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t3\n", 2, 3},
		{"strict", base + "Seccomp:\t1\nSeccomp_filters:\t0\n", 1, 0},
		{"before 5.9", base + "Seccomp:\t2\n", 2, -1},
		{"no CONFIG_SECCOMP", base, 0, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseStatus(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if s.Seccomp != tt.mode || s.SeccompFilters != tt.filters {
				t.Errorf("got mode %d filters %d, want %d %d", s.Seccomp, s.SeccompFilters, tt.mode, tt.filters)
			}
		})
	}
	if _, err := ParseStatus(strings.NewReader(base + "Seccomp:\tx\n")); err == nil {
		t.Errorf("got no error for a bad Seccomp line, want one")
	}
}

func TestReadStatusSelf(t *testing.T) {
	s, err := ReadStatus(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.Pid != os.Getpid() || s.Tgid != os.Getpid() || s.PPid != os.Getppid() || s.Uid[1] != os.Geteuid() {
		t.Errorf("got %+v, want pid %d ppid %d euid %d", s, os.Getpid(), os.Getppid(), os.Geteuid())
	}
}

func TestParseAuxv(t *testing.T) {
	b, err := os.ReadFile("testdata/sleep.auxv")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseAuxv(b)
	if err != nil {
		t.Fatal(err)
	}
	const atPagesz, atEntry = 6, 9
	if m[atPagesz] != 4096 || m[atEntry] == 0 {
		t.Errorf("got AT_PAGESZ %d AT_ENTRY %#x, want 4096 and non-zero", m[atPagesz], m[atEntry])
	}
	if _, err := ParseAuxv(b[:len(b)-1]); err == nil {
		t.Errorf("got no error for a truncated auxv, want one")
	}
	stop := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 0), 0)
	extra := append(append(slices.Clone(stop), 7, 0, 0, 0, 0, 0, 0, 0), make([]byte, 8)...)
	if m, _ := ParseAuxv(extra); len(m) != 0 {
		t.Errorf("got %v after AT_NULL, want nothing", m)
	}
}

func TestLiveProcess(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "my sleep")
	b, err := os.ReadFile("/bin/sleep")
	if err != nil {
		t.Skipf("skipping test: no /bin/sleep: %v", err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	waitFor(t, func() bool { e, _ := Exe(pid); return e == bin })
	os.Remove(bin)
	if got, err := Exe(pid); err != nil || got != bin {
		t.Errorf("got exe %q, %v, want %q with (deleted) stripped", got, err, bin)
	}
	if got, err := Cmdline(pid); err != nil || !slices.Equal(got, []string{bin, "30"}) {
		t.Errorf("got cmdline %q, %v, want [%s 30]", got, err, bin)
	}
	if got, err := Tasks(pid); err != nil || !slices.Equal(got, []int{pid}) {
		t.Errorf("got tasks %v, %v, want [%d]", got, err, pid)
	}
	pids, err := Pids()
	if err != nil || !slices.Contains(pids, pid) || !slices.Contains(pids, os.Getpid()) {
		t.Errorf("got pids (%d of them), %v, want them to contain %d and %d", len(pids), err, pid, os.Getpid())
	}
	if a, err := ReadAuxv(pid); err != nil || a[6] != 4096 {
		t.Errorf("got auxv %v, %v, want AT_PAGESZ 4096", a, err)
	}
}

func TestMissingProcess(t *testing.T) {
	const pid = 1 << 30 // above pid_max's maximum (4194304)
	if _, err := ReadMaps(pid); !os.IsNotExist(err) {
		t.Errorf("got %v, want a not-exist error", err)
	}
	if _, err := Tasks(pid); !os.IsNotExist(err) {
		t.Errorf("got %v, want a not-exist error", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func FuzzParseStatus(f *testing.F) {
	b, err := os.ReadFile("testdata/sleep.status")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStatus(bytes.NewReader(b))
		if (err != nil) == (s != nil) {
			t.Fatalf("got %v, %v: want exactly one of result and error", s, err)
		}
	})
}

func TestParseStat(t *testing.T) {
	b, err := os.ReadFile("testdata/kthreadd.stat")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseStat(b)
	if err != nil {
		t.Fatal(err)
	}
	if !s.KernelThread() || s.PPid != 0 {
		t.Errorf("kthreadd: got %+v, want a kernel thread with ppid 0", *s)
	}
	odd := []byte("42 (a) b (c d) S 7 42 42 0 -1 4194560 100 0 0 0\n")
	s, err = ParseStat(odd)
	if err != nil || s.State != "S" || s.PPid != 7 || s.Flags != 4194560 || s.KernelThread() {
		t.Errorf("comm with ') (': got %+v, %v", s, err)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1", "1 (x) S p 1 1 0 -1 0", "1 (x) S 1 1 1 0 -1 f"} {
		if s, err := ParseStat([]byte(bad)); err == nil || s != nil {
			t.Errorf("ParseStat(%q): got %+v, want an error", bad, s)
		}
	}
}

// TestReadStatLive reads (only reads) kthreadd's and our own stat.
func TestReadStatLive(t *testing.T) {
	self, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self.KernelThread() {
		t.Errorf("this test is a kernel thread: %+v", *self)
	}
	st, err := ReadStatus(2)
	if err != nil || st.Name != "kthreadd" {
		t.Skipf("pid 2 is not kthreadd here (%v)", err)
	}
	k, err := ReadStat(2)
	if err != nil || !k.KernelThread() {
		t.Errorf("kthreadd: got %+v, %v, want a kernel thread", k, err)
	}
}

func FuzzParseStat(f *testing.F) {
	if b, err := os.ReadFile("testdata/kthreadd.stat"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("1 (a) b) S 0 1 1 0 -1 4194560"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStat(b)
		if (err != nil) != (s == nil) {
			t.Fatalf("got %+v and %v", s, err)
		}
	})
}
