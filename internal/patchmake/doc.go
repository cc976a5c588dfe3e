// Package patchmake drives a project's build twice (original and patched
// code, compiled through libcare-cc) and turns every changed binary into a
// .kpatch file: the Go version of LibcarePlus' libcare-patch-make script
// (facts §6).
//
// Unlike the script it never touches the system cc (the compiler goes to
// the build as CC/CXX and a private PATH directory holds cc/gcc links to
// libcare-cc), builds any tree buildsys knows (make, ./configure, CMake,
// meson, the user's commands), and never writes into the user's tree: the
// tree is copied under the output directory and both builds run in the
// copy. Every patch is checked against the tree before the first compile.
// The original build is kept (buildcache) and reused by the next patch
// against the same tree, which then compiles only what that patch touches.
//
// Output directory layout (-o DIR, default the current directory):
//
//	DIR/lpmake/              the original build, installed (LPMAKE_ORIGINAL_DIR)
//	DIR/patchroot/           <BuildID>.kpatch per changed binary (LPMAKE_PATCHROOT)
//	DIR/.lpmaketmp/work/     src/: the copy both builds run in; build/: CMake's and meson's build directory
//	DIR/.lpmaketmp/cache/    the original build kept for the next run
//	DIR/.lpmaketmp/patched/  the patched build, installed (LPMAKE_PATCHED_DIR)
package patchmake
