package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxMapsLine bounds one line of /proc/pid/maps: the kernel prints at most
// PATH_MAX bytes of path plus ~100 bytes of fixed fields.
const maxMapsLine = 4096 + 256

// Mapping is one line of /proc/<pid>/maps (kernel show_map_vma).
type Mapping struct {
	Start, End, Offset uint64
	Perms              string // e.g. "r-xp"
	DevMajor, DevMinor uint32
	Inode              uint64
	Path               string // "" for anonymous mappings; may end in " (deleted)"
}

// Read reports whether the mapping is readable.
func (m Mapping) Read() bool { return m.perm(0, 'r') }

// Write reports whether the mapping is writable.
func (m Mapping) Write() bool { return m.perm(1, 'w') }

// Exec reports whether the mapping is executable.
func (m Mapping) Exec() bool { return m.perm(2, 'x') }

// Private reports whether the mapping is private (copy-on-write).
func (m Mapping) Private() bool { return m.perm(3, 'p') }

// Size returns End - Start.
func (m Mapping) Size() uint64 { return m.End - m.Start }

func (m Mapping) perm(i int, c byte) bool { return len(m.Perms) > i && m.Perms[i] == c }

// ReadMaps reads and parses /proc/<pid>/maps. When the thread-group leader
// has exited (pthread_exit) while other threads run, the kernel shows its
// maps as empty; then the maps of a live thread are returned.
func ReadMaps(pid int) ([]Mapping, error) {
	m, err := readMapsFile(procPath(pid, "maps"))
	if err != nil || len(m) > 0 {
		return m, err
	}
	tids, _ := Tasks(pid)
	for _, tid := range tids {
		if tid == pid {
			continue
		}
		if tm, err := readMapsFile(procPath(pid, fmt.Sprintf("task/%d/maps", tid))); err == nil && len(tm) > 0 {
			return tm, nil
		}
	}
	return m, nil
}

func readMapsFile(path string) ([]Mapping, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ParseMaps(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ParseMaps parses the text of a /proc/<pid>/maps file. A malformed line is
// an error naming its number; an empty input gives an empty, non-nil slice.
func ParseMaps(r io.Reader) ([]Mapping, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 512), maxMapsLine)
	maps := []Mapping{}
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		m, err := parseMapsLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("maps line %d: %w", n, err)
		}
		maps = append(maps, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("maps: %w", err)
	}
	return maps, nil
}

// parseMapsLine parses "start-end perms offset major:minor inode   path".
func parseMapsLine(line string) (Mapping, error) {
	var m Mapping
	rest := line
	fields := make([]string, 5)
	for i := range fields {
		rest = strings.TrimLeft(rest, " ")
		end := strings.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		fields[i], rest = rest[:end], rest[end:]
		if fields[i] == "" {
			return m, fmt.Errorf("%q: want 5 fields before the path", line)
		}
	}
	m.Path = strings.TrimLeft(rest, " ")
	if err := m.parseFields(fields); err != nil {
		return m, fmt.Errorf("%q: %w", line, err)
	}
	return m, nil
}

func (m *Mapping) parseFields(f []string) error {
	start, end, ok := strings.Cut(f[0], "-")
	if !ok {
		return fmt.Errorf("address range %q: missing '-'", f[0])
	}
	var err error
	if m.Start, err = strconv.ParseUint(start, 16, 64); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if m.End, err = strconv.ParseUint(end, 16, 64); err != nil {
		return fmt.Errorf("end: %w", err)
	}
	if m.End < m.Start {
		return fmt.Errorf("end %#x before start %#x", m.End, m.Start)
	}
	if len(f[1]) != 4 {
		return fmt.Errorf("perms %q: want 4 characters", f[1])
	}
	m.Perms = f[1]
	if m.Offset, err = strconv.ParseUint(f[2], 16, 64); err != nil {
		return fmt.Errorf("offset: %w", err)
	}
	if m.DevMajor, m.DevMinor, err = parseDev(f[3]); err != nil {
		return err
	}
	if m.Inode, err = strconv.ParseUint(f[4], 10, 64); err != nil {
		return fmt.Errorf("inode: %w", err)
	}
	return nil
}

func parseDev(s string) (major, minor uint32, err error) {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("device %q: missing ':'", s)
	}
	ma, err := strconv.ParseUint(a, 16, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("device major: %w", err)
	}
	mi, err := strconv.ParseUint(b, 16, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("device minor: %w", err)
	}
	return uint32(ma), uint32(mi), nil
}
