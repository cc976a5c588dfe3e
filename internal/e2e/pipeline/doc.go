// Package pipeline holds property-style end-to-end tests of the patch
// building pipeline (kpatch_gensrc → link -Wl,-q → kpatch_strip →
// kpatch_make) and of applying its result: a deterministic generator
// writes small C programs and mutated versions of them, and each pair is
// built, patched into the running original and compared with the output
// of the patched program. It has no non-test code.
package pipeline
