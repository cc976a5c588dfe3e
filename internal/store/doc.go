// Package store reads and writes a patch storage directory in the layout
// of LibcarePlus (facts §7.2), so that its server, libcare-ctl's and ours
// can share one:
//
//	<BuildID>.kpatch                 the patch for one object (no level)
//	<BuildID>/<N>/kpatch.bin         level N of the patch for one object
//	<BuildID>/latest -> N            the level to apply
//
// Additions the C tools ignore (they only open the paths above):
//
//	<BuildID>/disabled               the object's patch is not applied
//	<BuildID>.kpatch.disabled        the same, for the flat form
//	<BuildID>/<N>/disabled           level N is not applied: latest names
//	                                 the highest level that is
//
// Writes are atomic for readers that follow the layout: a patch is written
// to a temporary file and renamed into place, and the latest link is
// replaced last (a new link renamed over the old), so a reader sees the old
// patch or the new one, never a part of one.
package store
