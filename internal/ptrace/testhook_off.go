//go:build !golibcare_testhook

package ptrace

// afterRequest is the test hook's place after each ptrace request; without
// the golibcare_testhook build tag it does nothing (testhook_on.go).
func afterRequest() {}
