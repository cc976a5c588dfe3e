package ccwrap

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLoadConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "libcare-cc")
	writeExe(t, self)
	c, err := LoadConfig([]string{"KPATCH_STAGE=original", "PATH=" + dir}, self)
	if err != nil {
		t.Fatal(err)
	}
	if c.KpatchPath != dir {
		t.Errorf("KpatchPath: got %q, want %q", c.KpatchPath, dir)
	}
	if c.CC != fallbackCC || c.CXX != fallbackCXX {
		t.Errorf("compilers: got %q %q, want %q %q", c.CC, c.CXX, fallbackCC, fallbackCXX)
	}
	if c.RemoveArgs != nil || c.Prefix != ".kpatch_" || c.GensrcAsm || c.Debug != 0 {
		t.Errorf("got RemoveArgs=%q Prefix=%q GensrcAsm=%v Debug=%d, want none (-g kept) .kpatch_ false 0",
			c.RemoveArgs, c.Prefix, c.GensrcAsm, c.Debug)
	}
	if want := splitList(DefaultDbgFilterArgs); !slices.Equal(c.DbgFilterArgs, want) {
		t.Errorf("DbgFilterArgs: got %q, want %q", c.DbgFilterArgs, want)
	}
	if want := []string{"--force-gotpcrel", "--os=rhel6"}; !slices.Equal(c.PatchArgs, want) {
		t.Errorf("PatchArgs: got %q, want %q", c.PatchArgs, want)
	}
	if v, _ := lookup(c.Env, depthVar); v != "1" {
		t.Errorf("%s in child env: got %q, want 1", depthVar, v)
	}
}

func TestLoadConfigVariables(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "libcare-cc")
	writeExe(t, self)
	env := []string{
		"KPATCH_STAGE=patched", "KPATCH_PATH=/kp", "KPCCREAL=/opt/cc", "KPCXXREAL=/opt/cxx",
		"KPCC_DEBUG=2", "KPCC_REMOVE_ARGS=-O2;;-pipe", "KPCC_APPEND_ARGS=-Wl,-q",
		"KPCC_DBGFILTER_ARGS=", "KPCC_PATCH_ARGS=--force-global", "KPATCH_GENSRC_ASM=1",
		"KPATCH_PREFIX=.kp_", "KPATCH_ASM_DIR=/asm",
	}
	c, err := LoadConfig(env, self)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Stage", c.Stage, StagePatched},
		{"KpatchPath", c.KpatchPath, "/kp"},
		{"CC", c.CC, "/opt/cc"},
		{"CXX", c.CXX, "/opt/cxx"},
		{"Debug", c.Debug, 2},
		{"RemoveArgs", c.RemoveArgs, []string{"-O2", "-pipe"}},
		{"AppendArgs", c.AppendArgs, []string{"-Wl,-q"}},
		{"DbgFilterArgs", c.DbgFilterArgs, []string(nil)},
		{"PatchArgs", c.PatchArgs, []string{"--force-global"}},
		{"GensrcAsm", c.GensrcAsm, true},
		{"Prefix", c.Prefix, ".kp_"},
		{"AsmDir", c.AsmDir, "/asm"},
	}
	for _, ch := range checks {
		if !equal(ch.got, ch.want) {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, _ := b.([]string)
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestLoadConfigErrors(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "libcare-cc")
	writeExe(t, self)
	link := filepath.Join(dir, "gcc")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{
		nil,
		{"KPATCH_STAGE=final"},
		{"KPATCH_STAGE=original", "KPCCREAL=" + link},
		{"KPATCH_STAGE=original", depthVar + "=4"},
	} {
		if c, err := LoadConfig(env, self); err == nil {
			t.Errorf("LoadConfig(%q): got %+v, want an error", env, c)
		}
	}
	_, err := LoadConfig([]string{"KPATCH_STAGE=original", depthVar + "=9"}, self)
	if !errors.Is(err, ErrLoop) {
		t.Errorf("deep nesting: got %v, want ErrLoop", err)
	}
}

// TestRealCompilerSkipsSelf: a PATH dir whose gcc is a link to libcare-cc
// comes first, as during libcare-patch-make; the real gcc is the next one.
func TestRealCompilerSkipsSelf(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "bin", "libcare-cc")
	writeExe(t, self)
	private := filepath.Join(dir, "private")
	realDir := filepath.Join(dir, "real")
	for _, d := range []string{private, realDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"gcc", "g++", "cc"} {
		if err := os.Symlink(self, filepath.Join(private, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(self, filepath.Join(dir, "bin", "gcc")); err != nil {
		t.Fatal(err)
	}
	writeExe(t, filepath.Join(realDir, "gcc"))
	path := private + ":" + filepath.Join(dir, "bin") + ":" + realDir
	c, err := LoadConfig([]string{"KPATCH_STAGE=original", "PATH=" + path}, self)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(realDir, "gcc"); c.CC != want {
		t.Errorf("CC: got %q, want %q", c.CC, want)
	}
	if c.CXX != fallbackCXX {
		t.Errorf("CXX: got %q, want %q", c.CXX, fallbackCXX)
	}
}

func writeExe(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}
