// Package debpkg holds the test of the Debian package that `make deb`
// builds (scripts/mkdeb.sh): its control fields, its file list, and the
// tools it installs, run from a throwaway root.
package debpkg
