// Package asm reads the GNU as text that gcc emits (x86_64, AT&T syntax) the
// way LibcarePlus's kpatch_parse.c does: physical lines are split into
// statements, each statement is classified by its first token, the current
// section is tracked per statement, and the file is cut into code blocks
// (functions, variables, attributes and "other" chunks) that kpatch_gensrc
// matches between an original and a patched compilation.
//
// The package is pure: it never touches the file system.
package asm
