package patchmake

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sourcegraph/go-diff/diff"
)

// bigDiff is a git format-patch mail of files×hunks hunks of 7 lines.
func bigDiff(files, hunks int) []byte {
	var b strings.Builder
	b.WriteString("From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] big\n\n---\n")
	for f := 0; f < files; f++ {
		fmt.Fprintf(&b, "diff --git a/src/f%d.c b/src/f%d.c\nindex 1111111..2222222 100644\n--- a/src/f%d.c\n+++ b/src/f%d.c\n", f, f, f, f)
		for h := 0; h < hunks; h++ {
			l := h*10 + 1
			fmt.Fprintf(&b, "@@ -%d,6 +%d,6 @@ int f%d(void)\n \tint a = %d;\n \tint b = a;\n \tint c = b;\n-\treturn a;\n+\treturn c;\n \t/* x */\n \t/* y */\n", l, l, h, h)
		}
	}
	b.WriteString("-- \n2.39.2\n\n")
	return []byte(b.String())
}

// BenchmarkParsePatch compares the whole parser with its two stages on a
// 200-file, 2000-hunk mail: what normalize costs next to go-diff.
func BenchmarkParsePatch(b *testing.B) {
	in := bigDiff(200, 10)
	clean, _, err := normalize(in)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ParsePatch", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for i := 0; i < b.N; i++ {
			if _, err := ParsePatch(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("normalize", func(b *testing.B) {
		b.SetBytes(int64(len(in)))
		for i := 0; i < b.N; i++ {
			if _, _, err := normalize(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-diff", func(b *testing.B) {
		b.SetBytes(int64(len(clean)))
		for i := 0; i < b.N; i++ {
			if _, err := diff.ParseMultiFileDiffOptions(clean, diff.ParseOptions{KeepCR: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
