// Package e2e holds end-to-end tests that drive the built command-line
// tools the way the LibcarePlus user guide does.
package e2e
