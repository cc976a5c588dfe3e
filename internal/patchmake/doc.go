// Package patchmake drives a project's make twice (original and patched
// code, compiled through libcare-cc) and turns every changed binary into a
// .kpatch file: the Go version of LibcarePlus' libcare-patch-make script
// (facts §6).
//
// Unlike the script it never touches the system cc (CC/CXX go on make's
// command line and a private PATH directory holds cc/gcc links to
// libcare-cc), applies unified diffs itself (offset and fuzz like patch(1),
// no prompts) and restores every source it changed on every exit path.
package patchmake
