package server

import "github.com/golibcare/golibcare/internal/store"

// Patch is the patch storage holds for one Build-ID.
type Patch = store.Patch

// Lookup finds the enabled patch for buildID in the storage directory dir
// (store.Lookup).
func Lookup(dir, buildID string) (*Patch, error) { return store.Lookup(dir, buildID) }

// BuildIDs lists the Build-IDs storage dir holds an enabled patch for.
func BuildIDs(dir string) ([]string, error) { return store.BuildIDs(dir) }

func storedID(path string) (string, error) { return store.StoredID(path) }
