package regfile

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "p.kpatch")
	if err := os.WriteFile(file, []byte("KPATCH1"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, tc := range []struct {
		path, want string
	}{
		{file, ""},
		{link, ""},
		{fifo, "is a FIFO"},
		{"/dev/zero", "is a character device"},
		{dir, "is a directory"},
		{sock, "is a socket"},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			done := make(chan struct{})
			var f *os.File
			var err error
			go func() {
				f, _, err = Open(tc.path)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Open(%s) still blocked after 10s", tc.path)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want the file opened", err)
				}
				defer f.Close()
				if b, _ := io.ReadAll(f); string(b) != "KPATCH1" {
					t.Errorf("read %q, want KPATCH1", b)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want ErrNotExist", err)
	}
}
