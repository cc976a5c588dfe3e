//go:build !golibcare_testhook

package apply

// beforeChange is called before each change to a target; see testhook.go.
func beforeChange() {}
