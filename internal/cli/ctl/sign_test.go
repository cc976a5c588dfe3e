//go:build linux && amd64

package ctl_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/golibcare/golibcare/internal/testutil"
)

// TestSignatures signs the guide's patch: --verify applies it with the
// signer's public key trusted, and refuses it unsigned, with a flipped
// byte, or signed by a key that is not trusted, leaving the target as it
// was.
func TestSignatures(t *testing.T) {
	dir := testutil.CopyFixture(t, "ctl")
	pb := buildPatch(t, dir, testutil.ManualOpts{Orig: "foo.c", Patched: "bar.c"})
	keys := filepath.Join(dir, "trusted")
	os.Mkdir(keys, 0o755)
	key := filepath.Join(dir, "release")
	testutil.MustCtl(t, "keygen", key)
	testutil.MustCtl(t, "keygen", filepath.Join(dir, "stranger"))
	copyFile(t, key+".pub", filepath.Join(keys, "release.pub"))

	tg := startTarget(t, pb.Binary)
	tg.wait(t, "Hello world!\n")
	text := testutil.ProcessText(t, tg.pid, pb.Binary)
	verify := func(path string) testutil.CtlResult {
		return testutil.Ctl(t, "patch", "--verify", "--keys", keys, "-p", tg.p(), path)
	}

	oneLineError(t, verify(pb.Kpatch), "foo.kpatch.sig missing: no signature")
	untouched(t, tg, text, "Hello world!\n")

	testutil.MustCtl(t, "sign", filepath.Join(dir, "stranger"), pb.Kpatch)
	oneLineError(t, verify(pb.Kpatch), "not signed by a trusted key")
	untouched(t, tg, text, "Hello world!\n")

	testutil.MustCtl(t, "sign", key, pb.Kpatch)
	b, _ := os.ReadFile(pb.Kpatch)
	flipped := filepath.Join(dir, "flipped.kpatch")
	b[len(b)/2] ^= 0x40
	os.WriteFile(flipped, b, 0o644)
	copyFile(t, pb.Kpatch+".sig", flipped+".sig")
	oneLineError(t, verify(flipped), "not signed by a trusted key")
	untouched(t, tg, text, "Hello world!\n")

	testutil.MustCtl(t, "patch", "--verify", "--keys", keys, "-p", tg.p(), pb.Kpatch)
	tg.skip()
	tg.wait(t, "Hello world being patched!\n")
	testutil.MustCtl(t, "unpatch", "-p", tg.p())
}
