package patchmake_test

import (
	"strings"
	"testing"
)

// TestFormatPatchSeries builds a live patch from a git format-patch mail
// (stat block, "-- " signature) given as a quilt directory: the patch list
// comes from patches/series, the dry run names the touched file before the
// first build, and the patch applies to the running original.
func TestFormatPatchSeries(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "formatpatch")
	before := snapshot(t, dir)
	r := runPM(t, dir, "patches")
	f := wantOnePatch(t, dir, r, "lpmake/foo")
	if err := fmtBanners(r.out, "patch touches: foo.c\n", "BUILDING ORIGINAL CODE",
		"applying patches/0001-foo-say-that-we-are-being-patched.patch...", "BUILDING PATCHED CODE"); err != nil {
		t.Errorf("%v\n%s", err, r.out)
	}
	sameSnapshot(t, "after success", snapshot(t, dir), before)
	liveCheck(t, dir, f)
}

// TestCheckFailsBeforeBuild gives a patch whose second file does not apply:
// the run stops before building, naming the file and the hunk.
func TestCheckFailsBeforeBuild(t *testing.T) {
	patchMake(t)
	dir := fixture(t, "formatpatch")
	bad := "--- a/foo.c\n+++ b/foo.c\n@@ -1 +1 @@\n-#include <stdio.h>\n+#include <stdio.h> \n" +
		"--- a/foo.c\n+++ b/foo.c\n@@ -5,3 +5,3 @@\n {\n-\tprintf(\"no such line\\n\");\n+\tprintf(\"x\\n\");\n }\n"
	sh(t, dir, "cat > bad.patch <<'EOF'\n"+bad+"EOF\n")
	before := snapshot(t, dir)
	r := runPM(t, dir, "bad.patch")
	if r.code == 0 {
		t.Fatalf("libcare-patch-make succeeded with a patch that does not apply:\n%s", r.out)
	}
	if !strings.Contains(r.out, "bad.patch: hunk #1 of foo.c does not apply (at line 5)") || strings.Contains(r.out, "BUILDING") {
		t.Errorf("want the hunk named before any build, got:\n%s", r.out)
	}
	sameSnapshot(t, "after failure", snapshot(t, dir), before)
}
