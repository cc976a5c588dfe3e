package ctl

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func TestFlags(t *testing.T) {
	var got any
	root := func() *cobra.Command {
		o := &Options{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
		c := &cobra.Command{Use: "libcare-ctl", SilenceErrors: true, SilenceUsage: true}
		c.PersistentFlags().CountVarP(&o.Verbose, "verbose", "v", "")
		c.AddCommand(
			newPatchCmd(o, func(p *PatchOptions) error { got = *p; return nil }),
			newUnpatchCmd(o, func(p *UnpatchOptions) error { got = *p; return nil }),
			newInfoCmd(o, func(p *InfoOptions) error { got = *p; return nil }))
		return c
	}
	tests := []struct {
		name string
		args []string
		want func(o *Options) any
	}{
		{"patch", []string{"-v", "patch", "-p", "12", "--timeout", "5s", "x.kpatch"}, func(o *Options) any {
			return PatchOptions{Options: o, Pid: "12", Timeout: 5 * time.Second, Path: "x.kpatch", MaxSize: 256 << 20}
		}},
		{"patch-user alias", []string{"patch-user", "-p", "all", "dir"}, func(o *Options) any {
			return PatchOptions{Options: o, Pid: "all", Timeout: 3 * time.Second, Path: "dir", MaxSize: 256 << 20}
		}},
		{"patch max size", []string{"patch", "--max-size", "1G", "-p", "3", "x"}, func(o *Options) any {
			return PatchOptions{Options: o, Pid: "3", Timeout: 3 * time.Second, Path: "x", MaxSize: 1 << 30}
		}},
		{"unpatch with objects", []string{"unpatch-user", "-p", "7", "-i", "0001", "a", "libb.so"}, func(o *Options) any {
			return UnpatchOptions{Options: o, Pid: "7", ID: "0001", Timeout: 3 * time.Second, Objects: []string{"a", "libb.so"}}
		}},
		{"info json", []string{"info-user", "-p", "5", "--json"}, func(o *Options) any {
			return InfoOptions{Options: o, Pid: "5", JSON: true}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			c := root()
			c.SetArgs(tc.args)
			if err := c.Execute(); err != nil {
				t.Fatal(err)
			}
			var o *Options
			switch g := got.(type) {
			case PatchOptions:
				o = g.Options
			case UnpatchOptions:
				o = g.Options
			case InfoOptions:
				o = g.Options
			}
			if want := tc.want(o); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := [][]string{
		{},
		{"frobnicate"},
		{"patch", "-p", "1"},
		{"patch", "-p", "1", "a", "b"},
		{"patch", "-s", "-p", "1", "a"},
		{"info", "-p", "1", "extra"},
	}
	for _, args := range tests {
		c := NewCmd(&bytes.Buffer{}, &bytes.Buffer{})
		c.SetArgs(args)
		err := c.Execute()
		if err == nil || ExitCode(err) != ExitUsage {
			t.Errorf("%q: got %v (exit %d), want a usage error, exit %d", args, err, ExitCode(err), ExitUsage)
		}
	}
	for _, p := range []string{"", "x", "-3", "0", "1,", "1,x", "name:", "name:a/b"} {
		var u *UsageError
		if _, _, err := (&Options{}).targets(p); !errors.As(err, &u) {
			t.Errorf("targets(%q): got %v, want a usage error", p, err)
		}
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		str  string
	}{
		{"4096", 4096, "4K"}, {"256M", 256 << 20, "256M"}, {"1g", 1 << 30, "1G"}, {"2GiB", 2 << 30, "2G"},
		{"10KB", 10 << 10, "10K"}, {"1000", 1000, "1000"}, {" 3 M", 3 << 20, "3M"},
	} {
		var z Size
		if err := z.Set(tc.in); err != nil || z != tc.want || z.String() != tc.str {
			t.Errorf("Set(%q): got %d (%s), %v; want %d (%s)", tc.in, z, z.String(), err, tc.want, tc.str)
		}
	}
	for _, bad := range []string{"", "0", "-1", "M", "1T", "1.5G", "9999999999G", "0x10"} {
		var z Size
		if err := z.Set(bad); err == nil {
			t.Errorf("Set(%q): got %d, want an error", bad, z)
		}
	}
}

// TestServerMaxSizeDefault: the server's --max-size becomes the default of
// the patch requests it runs.
func TestServerMaxSizeDefault(t *testing.T) {
	var got *PatchOptions
	o := &Options{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, MaxSize: 1 << 20}
	c := &cobra.Command{Use: "libcare-ctl", SilenceErrors: true, SilenceUsage: true}
	c.AddCommand(newPatchCmd(o, func(p *PatchOptions) error { got = p; return nil }))
	c.SetArgs([]string{"patch", "-p", "1", "x"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.MaxSize != 1<<20 {
		t.Errorf("got --max-size default %d, want %d", got.MaxSize, 1<<20)
	}
}
