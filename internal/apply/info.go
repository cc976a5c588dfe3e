package apply

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golibcare/golibcare/internal/kpatch"
)

// maxInfos bounds the info records read from a patch region.
const maxInfos = 1 << 16

// Addr is a target address, printed in hex in JSON.
type Addr uint64

// MarshalText formats a as 0x-prefixed hex.
func (a Addr) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%#x", uint64(a)), nil }

// UnmarshalText parses a 0x-prefixed hex address.
func (a *Addr) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 0, 64)
	*a = Addr(v)
	return err
}

// Hunk is one function of a patch.
type Hunk struct {
	Name  string `json:"name"`
	Daddr Addr   `json:"daddr"` // 0 for a new function
	Dlen  uint32 `json:"dlen"`
	Saddr Addr   `json:"saddr"`
	Slen  uint32 `json:"slen"`
}

// PatchInfo describes one applied patch.
type PatchInfo struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	BuildID string `json:"build_id"`
	Level   uint32 `json:"level"`
	Address Addr   `json:"address"`
	Size    uint64 `json:"size"`
	Hunks   []Hunk `json:"hunks"`
}

// ObjectInfo is an object of a process with its applied patches.
type ObjectInfo struct {
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	BuildID string      `json:"build_id"`
	Patches []PatchInfo `json:"patches"`
}

// ProcessInfo is what `libcare-ctl info` reports for one process.
type ProcessInfo struct {
	Pid     int          `json:"pid"`
	Objects []ObjectInfo `json:"objects"`
	// Repaired says what InfoRepaired repaired first (see Repair), and
	// RepairFailed why it could not.
	Repaired     string `json:"repaired,omitempty"`
	RepairFailed string `json:"repair_failed,omitempty"`
}

// Info lists the patches applied to the process; it only reads memory.
func Info(h Host) (*ProcessInfo, error) {
	snap, err := Discover(h)
	if err != nil {
		return nil, err
	}
	return info(h, snap), nil
}

// InfoRepaired repairs the leftovers of killed runs (Repair), then lists
// the patches. When the repair fails, the list is still returned, saying
// why in RepairFailed.
func InfoRepaired(h Host, opt Options) (*ProcessInfo, error) {
	opt.defaults()
	snap, line, repairErr := repairRounds(h, opt)
	if repairErr != nil {
		var err error
		if snap, err = Discover(h); err != nil {
			return nil, err
		}
	}
	pi := info(h, snap)
	pi.Repaired = line
	if repairErr != nil {
		pi.RepairFailed = repairErr.Error()
	}
	return pi, nil
}

func info(h Host, snap *Snapshot) *ProcessInfo {
	pi := &ProcessInfo{Pid: snap.Pid, Objects: []ObjectInfo{}}
	for _, o := range snap.Objects {
		if len(o.Applied) == 0 {
			continue
		}
		oi := ObjectInfo{Name: o.Name, Path: o.Path, BuildID: o.BuildID}
		for _, a := range o.Applied {
			oi.Patches = append(oi.Patches, describe(h, a))
		}
		pi.Objects = append(pi.Objects, oi)
	}
	return pi
}

func describe(mem Memory, a *Applied) PatchInfo {
	p := PatchInfo{ID: a.ID(), BuildID: a.Header.BuildIDString(), Level: a.Header.UserLevel,
		Address: Addr(a.Start), Size: a.Header.KpatchTotalMemSz, Hunks: []Hunk{}}
	if a.Object != nil {
		p.Object = a.Object.Name
	}
	infos, _ := readInfos(mem, a)
	for _, in := range infos {
		p.Hunks = append(p.Hunks, Hunk{Name: readName(mem, a, in.Symstr), Daddr: Addr(in.Daddr),
			Dlen: in.Dlen, Saddr: Addr(in.Saddr), Slen: in.Slen})
	}
	return p
}

// readInfos reads the records at kpta+user_info up to the terminator.
func readInfos(mem Memory, a *Applied) ([]kpatch.Info, error) {
	start := a.Start + uint64(a.Header.UserInfo)
	if start >= a.End() {
		return nil, fmt.Errorf("patch %s at %#x: user_info %#x outside the region", a.ID(), a.Start, a.Header.UserInfo)
	}
	n := min((a.End()-start)/kpatch.InfoSize, maxInfos)
	var out []kpatch.Info
	for k := uint64(0); k < n; k++ {
		b, err := readFull(mem, start+k*kpatch.InfoSize, kpatch.InfoSize)
		if err != nil {
			return out, err
		}
		infos, _ := kpatch.DecodeInfos(b)
		if len(infos) == 0 {
			break
		}
		out = append(out, infos[0])
	}
	return out, nil
}

func readName(mem Memory, a *Applied, addr uint64) string {
	if addr < a.Start || addr >= a.End() {
		return ""
	}
	b, err := readFull(mem, addr, int(min(256, a.End()-addr)))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(cstr(b, 0), ".kpatch")
}

func (j *job) info() PatchInfo {
	p := PatchInfo{ID: j.patch.File.Header.IDString(), Object: j.obj.Name, BuildID: j.obj.BuildID,
		Level: j.patch.Level, Address: Addr(j.kpta), Size: j.lay.totalMemSz, Hunks: []Hunk{}}
	for _, in := range j.infos {
		p.Hunks = append(p.Hunks, Hunk{Name: j.funcName(in), Daddr: Addr(in.Daddr), Dlen: in.Dlen,
			Saddr: Addr(in.Saddr), Slen: in.Slen})
	}
	return p
}
