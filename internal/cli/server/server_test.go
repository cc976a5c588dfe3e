package server

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/cli/ctl"
	"github.com/golibcare/golibcare/internal/server"
	"github.com/golibcare/golibcare/internal/testutil"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr bool
	}{
		{"defaults", nil, Options{Storage: server.DefaultStorage}, false},
		{"socket", []string{"/tmp/s.sock"}, Options{Socket: "/tmp/s.sock", Storage: server.DefaultStorage}, false},
		{"all", []string{"-vv", "--watch", "@abs", "/srv/patches"}, Options{Verbose: 2, Watch: true, Socket: "@abs", Storage: "/srv/patches"}, false},
		{"fd", []string{"&3"}, Options{Socket: "&3", Storage: server.DefaultStorage}, false},
		{"too many", []string{"a", "b", "c"}, Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Options
			cmd := newCmd(func(o *Options) error { got = o; return nil })
			cmd.SetArgs(append([]string{}, tt.args...))
			err := cmd.Execute()
			if tt.wantErr {
				if err == nil {
					t.Errorf("got nil error, want one")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Verbose != tt.want.Verbose || got.Watch != tt.want.Watch || got.Socket != tt.want.Socket || got.Storage != tt.want.Storage {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestUnderCtlRoot: as a subcommand of libcare-ctl, -v counts both before
// and after "server".
func TestUnderCtlRoot(t *testing.T) {
	root := ctl.NewCmd(io.Discard, io.Discard)
	var got *Options
	root.AddCommand(newCmd(func(o *Options) error { got = o; return nil }))
	root.SetArgs([]string{"-v", "server", "-v", "@sock"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Verbose != 2 || got.Socket != "@sock" {
		t.Errorf("got %+v, want verbose 2, socket @sock", got)
	}
}

// TestServiceUnit checks that dist/libcare.service's command line parses.
func TestServiceUnit(t *testing.T) {
	f, err := os.Open(filepath.Join(testutil.RepoRoot(t), "dist", "libcare.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var exec []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if v, ok := strings.CutPrefix(sc.Text(), "ExecStart="); ok {
			exec = strings.Fields(v)
		}
	}
	if len(exec) < 2 || filepath.Base(exec[0]) != "libcare-ctl" || exec[1] != "server" {
		t.Fatalf("ExecStart: got %q, want libcare-ctl server ...", exec)
	}
	var got *Options
	cmd := newCmd(func(o *Options) error { got = o; return nil })
	cmd.SetArgs(exec[2:])
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Socket != "&3" || !got.Watch || got.Storage != server.DefaultStorage {
		t.Errorf("got %+v, want socket &3, --watch, storage %s", *got, server.DefaultStorage)
	}
}

// TestMaxSize: --max-size reaches the patch requests the server runs.
func TestMaxSize(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int64
	}{
		{nil, 256 << 20},
		{[]string{"--max-size", "1M", "@sock"}, 1 << 20},
	} {
		var got *Options
		cmd := newCmd(func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tc.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		d, ok := got.Dispatcher.(ctlDispatcher)
		if int64(got.MaxSize) != tc.want || !ok || d.maxSize != tc.want {
			t.Errorf("%q: got max size %d, dispatcher %+v; want %d", tc.args, got.MaxSize, got.Dispatcher, tc.want)
		}
	}
}
