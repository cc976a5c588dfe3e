package bidcheck

import (
	"fmt"
	"strings"

	"github.com/golibcare/golibcare/internal/elfutil"
	"github.com/golibcare/golibcare/internal/procfs"
)

// FromPID lists the ELF objects a running process has mapped, with their
// Build-IDs, as libcare-ctl would see them: the file behind each mapping
// is read through /proc/PID/map_files, so a file replaced or deleted since
// the start still gives the Build-ID of what runs.
func FromPID(pid int) ([]Target, error) {
	maps, err := procfs.ReadMaps(pid)
	if err != nil {
		return nil, fmt.Errorf("--pid %d: %w", pid, err)
	}
	from := fmt.Sprintf("--pid %d", pid)
	seen := map[string]bool{}
	var out []Target
	for _, m := range maps {
		if m.Path == "" || !strings.HasPrefix(m.Path, "/") || seen[m.Path] {
			continue
		}
		seen[m.Path] = true
		file := fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.Start, m.End)
		id, err := elfutil.BuildID(file)
		if err != nil {
			continue // not an ELF object with a Build-ID (a data file, a font)
		}
		out = append(out, Target{Path: m.Path, BuildID: id, From: from, File: file})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--pid %d: no mapped object with a Build-ID", pid)
	}
	return out, nil
}
