package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/golibcare/golibcare/internal/apply"
	"github.com/golibcare/golibcare/internal/testutil"
)

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteFile(t, filepath.Dir(dst), filepath.Base(dst), string(b))
}

// setLevel installs b as level n of its object in storage and points
// <bid>/latest at it.
func setLevel(t *testing.T, storage string, b *testutil.PatchBuild, n string) {
	t.Helper()
	copyFile(t, b.Kpatch, filepath.Join(storage, b.BuildID, n, "kpatch.bin"))
	latest := filepath.Join(storage, b.BuildID, "latest")
	os.Remove(latest)
	if err := os.Symlink(n, latest); err != nil {
		t.Fatal(err)
	}
}

// TestE2EUpdate: `update` patches every running program that has a patch
// in storage.
func TestE2EUpdate(t *testing.T) {
	one, two := loopLevel1(t), patchBuild(t, "two.c", "two.patched.c", "0001")
	storage := t.TempDir()
	copyFile(t, one.Kpatch, filepath.Join(storage, one.BuildID+".kpatch"))
	copyFile(t, two.Kpatch, filepath.Join(storage, two.BuildID+".kpatch"))
	t1, t2 := start(t, one.Binary), start(t, two.Binary)
	_, sock := serve(t, storage, t1, t2)
	t1.wait(t, "UNPATCHED")
	t2.wait(t, "UNPATCHED")
	out := client(t, sock, "update")
	wantIn(t, out, "successfully applied to PID '"+t1.p()+"'", "successfully applied to PID '"+t2.p()+"'")
	t1.wait(t, "PATCHED level 1")
	t2.wait(t, "two")
	t2.wait(t, "PATCHED")
}

// TestE2ELevels: level 1 then level 2 of one object from storage; the
// second replaces the first, info shows level 2, and one unpatch brings
// back the original.
func TestE2ELevels(t *testing.T) {
	l1, l2 := loopLevel1(t), loopLevel2(t)
	if l1.BuildID != l2.BuildID {
		t.Fatalf("the two builds of loop.c differ: %s, %s", l1.BuildID, l2.BuildID)
	}
	storage := t.TempDir()
	setLevel(t, storage, l1, "1")
	tg := start(t, l1.Binary)
	_, sock := serve(t, storage, tg)
	tg.wait(t, "UNPATCHED")
	wantIn(t, client(t, sock, "update"), "successfully applied to PID '"+tg.p()+"'")
	tg.wait(t, "PATCHED level 1")
	setLevel(t, storage, l2, "2")
	out := client(t, sock, "patch", "-p", tg.p(), storage)
	wantIn(t, out, "successfully cancelled from PID '"+tg.p()+"'", "successfully applied to PID '"+tg.p()+"'")
	tg.wait(t, "PATCHED level 2")
	var infos []apply.ProcessInfo
	if err := json.Unmarshal([]byte(client(t, sock, "info", "-p", tg.p(), "--json")), &infos); err != nil || len(infos) != 1 {
		t.Fatalf("info --json: %v, want an array of one", err)
	}
	info := infos[0]
	if len(info.Objects) != 1 || len(info.Objects[0].Patches) != 1 {
		t.Fatalf("info: got %+v, want one object with one patch", info)
	}
	if p := info.Objects[0].Patches[0]; p.Level != 2 || p.ID != "0002" {
		t.Errorf("info: got patch %s level %d, want 0002 level 2", p.ID, p.Level)
	}
	wantIn(t, client(t, sock, "unpatch", "-p", tg.p(), "-i", "0002"), "successfully cancelled")
	tg.wait(t, "UNPATCHED")
	// Same level again: nothing to replace, nothing stacked.
	wantIn(t, client(t, sock, "update"), "successfully applied to PID '"+tg.p()+"'")
	tg.wait(t, "PATCHED level 2")
	wantIn(t, client(t, sock, "update"), "PID '"+tg.p()+"' already carries the patches of "+storage)
}
