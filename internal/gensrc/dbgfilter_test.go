package gensrc

import (
	"strings"
	"testing"

	"github.com/golibcare/golibcare/internal/asm"
)

func TestDbgFilter(t *testing.T) {
	in := "\t.file\t\"a.c\"\n\t.text\n.Ltext0:\n\t.file 1 \"a.c\"\n# comment\n\t.globl\tf\n\t.type\tf, @function\nf:\n.LFB0:\n\t.loc 1 2 3\n\t.cfi_startproc\n\tret\n\t.cfi_endproc\n.LFE0:\n\t.size\tf, .-f\n\t.section\t.debug_info,\"\",@progbits\n.Ldebug_info0:\n\t.long\t0x4c\n\t.value\t0x5\n\t.section\t.debug_abbrev,\"\",@progbits\n\t.uleb128 0x1\n\t.ident\t\"GCC\"\n"
	tests := []struct {
		name string
		opts DbgOptions
		want string
	}{
		{"default", DbgOptions{}, "\t.file\t\"a.c\"\n\t.globl\tf\n\t.type\tf, @function\nf:\n\t.cfi_startproc\n\tret\n\t.cfi_endproc\n\t.size\tf, .-f\n\t.ident\t\"GCC\"\n"},
		{"cfi", DbgOptions{SkipCFI: true}, "\t.file\t\"a.c\"\n\t.globl\tf\n\t.type\tf, @function\nf:\n\tret\n\t.size\tf, .-f\n\t.ident\t\"GCC\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(DbgFilter(mustRead(t, in), tt.opts))
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	got := DbgFilter(mustRead(t, in), DbgOptions{EmitNewlines: true})
	if n, want := countLines(got), countLines([]byte(in)); n != want {
		t.Errorf("emit-newlines: got %d lines, want %d", n, want)
	}
}

// TestDbgFilterExceptTable: dropping .gcc_except_table must drop the
// .cfi_lsda references to its labels too, or g++ output no longer links.
func TestDbgFilterExceptTable(t *testing.T) {
	in := "\t.text\n\t.globl\tf\n\t.type\tf, @function\nf:\n\t.cfi_startproc\n\t.cfi_personality 0x9b,DW.ref.__gxx_personality_v0\n\t.cfi_lsda 0x1b,.LLSDA1\n\tret\n\t.cfi_endproc\n\t.section\t.gcc_except_table,\"a\",@progbits\n.LLSDA1:\n\t.byte\t0xff\n\t.text\n\t.size\tf, .-f\n"
	got := string(DbgFilter(mustRead(t, in), DbgOptions{SkipExceptTable: true}))
	if strings.Contains(got, "LLSDA") || !strings.Contains(got, ".cfi_personality") {
		t.Errorf("got\n%s\nwant no .LLSDA label or reference, .cfi_personality kept", got)
	}
	got = string(DbgFilter(mustRead(t, in), DbgOptions{}))
	if !strings.Contains(got, ".cfi_lsda 0x1b,.LLSDA1") || !strings.Contains(got, ".LLSDA1:") {
		t.Errorf("without the option: got\n%s\nwant the table and its reference kept", got)
	}
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func mustRead(t *testing.T, s string) *asm.File {
	t.Helper()
	f, err := asm.ReadStatements("a.s", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDbgFilterGcc12: what gcc 12 -O2 -g3 adds beyond upstream's list: the
// inlined-block labels (.LBI) and headers named by .file inside
// .debug_macro.
func TestDbgFilterGcc12(t *testing.T) {
	in := "\t.text\n.Ltext0:\n\t.globl\tf\n\t.type\tf, @function\nf:\n.LVL0:\n.LBI4:\n\t.loc 1 6 2 view .LVU1\n\tret\n\t.size\tf, .-f\n" +
		"\t.section\t.debug_macro,\"\",@progbits\n.Ldebug_macro0:\n\t.value\t0x5\n\t.file 4 \"/usr/include/stdc-predef.h\"\n\t.byte\t0x3\n" +
		"\t.section\t.debug_macro,\"G\",@progbits,wm4.x.1.abc,comdat\n.Ldebug_macro3:\n\t.long\t.LASF1\n\t.section\t.note.GNU-stack,\"\",@progbits\n"
	want := "\t.globl\tf\n\t.type\tf, @function\nf:\n\tret\n\t.size\tf, .-f\n\t.section\t.note.GNU-stack,\"\",@progbits\n"
	if got := string(DbgFilter(mustRead(t, in), DbgOptions{})); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	if !HasDebugInfo(mustRead(t, in)) {
		t.Errorf("HasDebugInfo: got false, want true")
	}
	if HasDebugInfo(mustRead(t, want)) {
		t.Errorf("HasDebugInfo of the filtered file: got true, want false")
	}
}
