package patchmake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "format-patch mail with stat block and signature",
			in: "From 1234 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: [PATCH] x\n\nmsg\n---\n f.c | 2 +-\n 1 file changed\n\n" +
				"diff --git a/f.c b/f.c\nindex 1..2 100644\n--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n-- \n2.39.2\n\n",
			want: "diff --git a/f.c b/f.c\nindex 1..2 100644\n--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"},
		{name: "a removed line that looks like a signature, within the counts",
			in:   "--- a/f\n+++ b/f\n@@ -1,2 +1,1 @@\n a\n-- \n-- \n",
			want: "--- a/f\n+++ b/f\n@@ -1,2 +1,1 @@\n a\n-- \n"},
		{name: "hg export date and diff -r line",
			in:   "# HG changeset patch\n# User u\n# Date 1669039294 -10800\ndiff -r 42bc158a47ec -r 49e7db44b57c f.c\n--- a/f.c\tTue Nov 08 12:48:21 2022 +0300\n+++ b/f.c\tMon Nov 21 17:01:34 2022 +0300\n@@ -1 +1 @@\n-a\n+b\n",
			want: "--- a/f.c\n+++ b/f.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "dates patch(1) reads are kept in go-diff's layout",
			in:   "--- a/f.c\tThu Jan  1 00:00:00 1970\n+++ b/f.c\t2022-11-21 17:01:34 +0300\n@@ -1 +1 @@\n-a\n+b\n",
			want: "--- a/f.c\t1970-01-01 00:00:00.000000000 +0000\n+++ b/f.c\t2022-11-21 14:01:34.000000000 +0000\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "dates patch(1) does not read are dropped, names end at a space",
			in:   "--- f.c\t(revision 12)\n+++ f.c  (working copy)\n@@ -1 +1 @@\n-a\n+b\n",
			want: "--- f.c\n+++ f.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "name with spaces before a tab, quoted name",
			in:   "--- a/my file.c\t2024-01-02 03:04:05.123456789 +0100\n+++ \"b/\\303\\251.c\"\n@@ -1 +1 @@\n-a\n+b\n",
			want: "--- \"a/my file.c\"\t2024-01-02 02:04:05.123456789 +0000\n+++ b/é.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "Index: line and a missing +++ line",
			in:   "Index: src/f.c\n===================\n--- src/f.c\n@@ -1 +1 @@\n-a\n+b\n",
			want: "Index: src/f.c\n--- src/f.c\n+++ src/f.c\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "context lines whose space was eaten",
			in:   "--- f\n+++ f\n@@ -1,4 +1,4 @@\n\tx\n\n=y\n-a\n+b\n",
			want: "--- f\n+++ f\n@@ -1,4 +1,4 @@\n \tx\n \n y\n-a\n+b\n"},
		{name: "blank context lines chopped at the end of the diff",
			in:   "--- f\n+++ f\n@@ -1,4 +1,4 @@\n-a\n+b\n c\n",
			want: "--- f\n+++ f\n@@ -1,4 +1,4 @@\n-a\n+b\n c\n \n \n"},
		{name: "localized no-newline marker, new side",
			in:   "--- f\n+++ f\n@@ -1 +1 @@\n-a\n+b\n\\ Kein Zeilenumbruch am Dateiende.\n",
			want: "--- f\n+++ f\n@@ -1,1 +1,1 @@\n-a\n+b\n" + noNewline + "\n"},
		{name: "no-newline marker of the new side before removed lines",
			in:   "--- f\n+++ f\n@@ -1,2 +1,1 @@\n+b\n\\ No newline at end of file\n-a\n-c\n",
			want: "--- f\n+++ f\n@@ -1,2 +1,1 @@\n-a\n-c\n+b\n" + noNewline + "\n"},
		{name: "last old line is context without a newline",
			in:   "--- f\n+++ f\n@@ -1 +1,2 @@\n a\n\\ No newline at end of file\n+b\n",
			want: "--- f\n+++ f\n@@ -1,1 +1,2 @@\n-a\n" + noNewline + "\n+a\n+b\n"},
		{name: "git mode change without hunks, then a file",
			in:   "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n",
			want: "diff --git a/s.sh b/s.sh\nold mode 100644\nnew mode 100755\n--- a/s.sh\n+++ b/s.sh\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "two hunks, Only in and garbage between files",
			in:   "Only in a: x\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n@@ -5 +5 @@ int f(void)\n-c\n+d\nsome text\n--- a/g\n+++ b/g\n@@ -1 +1 @@\n-a\n+b\n",
			want: "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n+b\n@@ -5,1 +5,1 @@ int f(void)\n-c\n+d\n--- a/g\n+++ b/g\n@@ -1,1 +1,1 @@\n-a\n+b\n"},
		{name: "short hunk header forms",
			in:   "--- f\n+++ f\n@@ -1 +1,2 @\n a\n+b\n",
			want: "--- f\n+++ f\n@@ -1,1 +1,2 @@\n a\n+b\n"},
		{name: "diff ends inside a hunk",
			in:  "--- f\n+++ f\n@@ -1,9 +1,9 @@\n-a\n+b\n",
			err: "the diff ends inside a hunk"},
		{name: "malformed hunk line",
			in:  "--- f\n+++ f\n@@ -1,2 +1,2 @@\n a\n*b\n",
			err: "line 5: malformed hunk"},
		{name: "more old lines than the header says",
			in:  "--- f\n+++ f\n@@ -1 +1,2 @@\n-a\n-b\n+c\n",
			err: "malformed hunk"},
		{name: "hunk without file names",
			in:  "@@ -1 +1 @@\n-a\n+b\n",
			err: "a hunk without a file name"},
		{name: "context diff",
			in:  "*** f\n--- f\n***************\n*** 1 ****\n",
			err: "context diff"},
		{name: "bad hunk header",
			in:  "--- f\n+++ f\n@@ -1,x +1 @@\n",
			err: "bad hunk header"},
		{name: "huge line numbers",
			in:  "--- f\n+++ f\n@@ -2147483647,1 +1 @@\n",
			err: "bad hunk header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := normalize([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("normalize: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if again, _, err := normalize(got); err != nil || string(again) != string(got) {
				t.Errorf("not idempotent: %v\n%s", err, again)
			}
		})
	}
}

// TestNormalizeIdempotent normalizes every fixture diff twice.
func TestNormalizeIdempotent(t *testing.T) {
	for _, path := range fixtureDiffs(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		once, _, err := normalize(b)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if twice, _, err := normalize(once); err != nil || string(twice) != string(once) {
			t.Errorf("%s: not idempotent (%v):\n%s\n---\n%s", path, err, once, twice)
		}
	}
}

// fixtureDiffs lists testdata/*.patch and the diffs of the forms fixtures.
func fixtureDiffs(t testing.TB) []string {
	var out []string
	for _, g := range []string{"testdata/*.patch", "../../fixtures/patchmake/forms/*/*.*", "../../fixtures/patchmake/forms/*/patches/*.patch"} {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) < 12 {
		t.Fatalf("found only %d fixture diffs", len(out))
	}
	return out
}
