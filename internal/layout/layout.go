// Package layout compares the struct, union and class layouts that two
// compilations of one source describe in their DWARF, and tells which
// functions reach a type. A live patch replaces code, never the data a
// running process already holds: when a member moved, the patched code
// would read the old objects at the new offsets. The package is pure: it
// reads debug/dwarf data and never touches the live system.
package layout

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Member is one data member of a type as the DWARF places it.
type Member struct {
	Name      string
	Offset    int64 // bytes from the start of the object
	BitOffset int64 // DW_AT_data_bit_offset of a bit field, else 0
	BitSize   int64
	Type      string // the member's type, as dwarf.Type.String gives it
	Size      int64  // its size in bytes, -1 when unknown
}

// Type is the layout of one complete struct, union or class.
type Type struct {
	Name    string // "struct s", "union u", or a typedef name for an anonymous type
	Size    int64
	Members []Member
}

// Unit is what one compilation unit's DWARF says about layouts.
type Unit struct {
	// Types maps a type's name to its layout.
	Types map[string]*Type
	// Uses maps a function's names (DW_AT_name and DW_AT_linkage_name)
	// to the types it reaches through its parameters, variables and
	// return type, following pointers, typedefs, qualifiers, arrays and
	// members.
	Uses map[string]map[string]bool
}

// Read collects the layouts and uses of every unit of d.
func Read(d *dwarf.Data) (u *Unit, err error) {
	defer func() {
		if r := recover(); r != nil {
			u, err = nil, fmt.Errorf("read dwarf: malformed: %v", r)
		}
	}()
	rd := &reader{d: d, u: &Unit{Types: map[string]*Type{}, Uses: map[string]map[string]bool{}},
		entries: map[dwarf.Offset]*dwarf.Entry{}, types: map[dwarf.Offset]dwarf.Type{}}
	if err := rd.scan(); err != nil {
		return nil, err
	}
	return rd.u, nil
}

type reader struct {
	d       *dwarf.Data
	u       *Unit
	entries map[dwarf.Offset]*dwarf.Entry
	types   map[dwarf.Offset]dwarf.Type
	// funcs are the subprograms with the type offsets met inside them.
	funcs []*function
}

type function struct {
	names  []string
	origin dwarf.Offset // abstract origin or specification, 0 for none
	types  []dwarf.Offset
}

// maxEntries bounds the entries read from one file's DWARF.
const maxEntries = 1 << 24

func (rd *reader) scan() error {
	r := rd.d.Reader()
	var stack []*function // the innermost enclosing subprogram per depth
	for n := 0; ; n++ {
		if n >= maxEntries {
			return errors.New("read dwarf: too many entries")
		}
		e, err := r.Next()
		if err != nil {
			return fmt.Errorf("read dwarf: %w", err)
		}
		if e == nil {
			break
		}
		if e.Tag == 0 { // end of a list of children
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		rd.entries[e.Offset] = e
		cur := rd.enter(e, stack)
		if e.Children {
			stack = append(stack, cur)
		}
	}
	for _, f := range rd.funcs {
		rd.addUses(f)
	}
	return rd.addTypes()
}

// enter records e and returns the subprogram its children belong to.
func (rd *reader) enter(e *dwarf.Entry, stack []*function) *function {
	var cur *function
	if len(stack) > 0 {
		cur = stack[len(stack)-1]
	}
	if e.Tag == dwarf.TagSubprogram {
		f := &function{}
		for _, a := range []dwarf.Attr{dwarf.AttrName, dwarf.AttrLinkageName} {
			if s, ok := e.Val(a).(string); ok {
				f.names = append(f.names, s)
			}
		}
		for _, a := range []dwarf.Attr{dwarf.AttrAbstractOrigin, dwarf.AttrSpecification} {
			if off, ok := e.Val(a).(dwarf.Offset); ok {
				f.origin = off
			}
		}
		rd.funcs = append(rd.funcs, f)
		cur = f
	}
	if cur != nil {
		for _, a := range []dwarf.Attr{dwarf.AttrType, dwarf.AttrAbstractOrigin, dwarf.AttrSpecification} {
			if off, ok := e.Val(a).(dwarf.Offset); ok {
				cur.types = append(cur.types, off)
			}
		}
	}
	return cur
}

// addUses resolves the offsets met in a function to the named types they
// reach; an abstract origin (an inlined function's parameter) counts
// through its own type.
func (rd *reader) addUses(f *function) {
	rd.originNames(f)
	if len(f.names) == 0 {
		return
	}
	seen := map[dwarf.Type]bool{}
	used := map[string]bool{}
	for _, off := range f.types {
		if t := rd.typeFor(off); t != nil {
			reach(t, seen, used)
		}
	}
	for _, n := range f.names {
		if rd.u.Uses[n] == nil {
			rd.u.Uses[n] = map[string]bool{}
		}
		for t := range used {
			rd.u.Uses[n][t] = true
		}
	}
}

// originNames names an out-of-line copy of an inlined function (no name
// of its own) by its abstract origin or specification.
func (rd *reader) originNames(f *function) {
	for i := 0; i < 4 && len(f.names) == 0 && f.origin != 0; i++ {
		e := rd.entries[f.origin]
		if e == nil {
			return
		}
		for _, a := range []dwarf.Attr{dwarf.AttrName, dwarf.AttrLinkageName} {
			if s, ok := e.Val(a).(string); ok {
				f.names = append(f.names, s)
			}
		}
		f.origin, _ = e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		if f.origin == 0 {
			f.origin, _ = e.Val(dwarf.AttrSpecification).(dwarf.Offset)
		}
	}
}

// typeFor follows an offset met in a function (a type, or a variable or
// parameter through its type or origin) to a type, nil for none.
func (rd *reader) typeFor(off dwarf.Offset) dwarf.Type {
	for i := 0; i < 8; i++ {
		e := rd.entries[off]
		if e == nil {
			return nil
		}
		if isTypeTag(e.Tag) {
			return rd.typeAt(off)
		}
		next, ok := e.Val(dwarf.AttrType).(dwarf.Offset)
		if !ok {
			next, ok = e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
		}
		if !ok {
			return nil
		}
		off = next
	}
	return nil
}

func isTypeTag(t dwarf.Tag) bool {
	switch t {
	case dwarf.TagStructType, dwarf.TagUnionType, dwarf.TagClassType, dwarf.TagPointerType,
		dwarf.TagTypedef, dwarf.TagConstType, dwarf.TagVolatileType, dwarf.TagRestrictType,
		dwarf.TagArrayType, dwarf.TagBaseType, dwarf.TagEnumerationType, dwarf.TagSubroutineType,
		dwarf.TagReferenceType, dwarf.TagRvalueReferenceType, dwarf.TagAtomicType:
		return true
	}
	return false
}

func (rd *reader) typeAt(off dwarf.Offset) dwarf.Type {
	if t, ok := rd.types[off]; ok {
		return t
	}
	t, err := rd.d.Type(off)
	if err != nil {
		t = nil
	}
	rd.types[off] = t
	return t
}

// reach adds the names of the struct types t reaches to used.
func reach(t dwarf.Type, seen map[dwarf.Type]bool, used map[string]bool) {
	for t != nil && !seen[t] {
		seen[t] = true
		switch x := t.(type) {
		case *dwarf.PtrType:
			t = x.Type
		case *dwarf.QualType:
			t = x.Type
		case *dwarf.ArrayType:
			t = x.Type
		case *dwarf.TypedefType:
			if st, ok := x.Type.(*dwarf.StructType); ok && st.StructName == "" {
				used[x.Name] = true
			}
			t = x.Type
		case *dwarf.StructType:
			if x.StructName != "" {
				used[x.Kind+" "+x.StructName] = true
			}
			for _, f := range x.Field {
				reach(f.Type, seen, used)
			}
			return
		default:
			return
		}
	}
}

// addTypes records every complete named struct, union and class, and the
// anonymous ones a typedef names.
func (rd *reader) addTypes() error {
	offs := make([]dwarf.Offset, 0, len(rd.entries))
	for off := range rd.entries {
		offs = append(offs, off)
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	for _, off := range offs {
		e := rd.entries[off]
		switch e.Tag {
		case dwarf.TagStructType, dwarf.TagUnionType, dwarf.TagClassType, dwarf.TagTypedef:
		default:
			continue
		}
		t := rd.typeAt(off)
		name, st := named(t)
		if st == nil || st.Incomplete || name == "" {
			continue
		}
		if _, dup := rd.u.Types[name]; !dup {
			rd.u.Types[name] = layoutOf(name, st)
		}
	}
	return nil
}

// named returns the struct t is and its name for the user.
func named(t dwarf.Type) (string, *dwarf.StructType) {
	switch x := t.(type) {
	case *dwarf.StructType:
		if x.StructName == "" {
			return "", nil
		}
		return x.Kind + " " + x.StructName, x
	case *dwarf.TypedefType:
		if st, ok := x.Type.(*dwarf.StructType); ok && st.StructName == "" {
			return x.Name, st
		}
	}
	return "", nil
}

func layoutOf(name string, st *dwarf.StructType) *Type {
	l := &Type{Name: name, Size: st.ByteSize}
	for _, f := range st.Field {
		m := Member{Name: f.Name, Offset: f.ByteOffset, BitOffset: f.DataBitOffset, BitSize: f.BitSize, Size: -1}
		if f.Type != nil {
			m.Type = f.Type.String()
			m.Size = f.Type.Size()
		}
		l.Members = append(l.Members, m)
	}
	return l
}

// Change is a type whose layout differs between two units.
type Change struct {
	Name     string
	Old, New *Type
}

// Compare returns the types both units describe whose layouts differ,
// sorted by name. Types only one side has are not changes: a type the
// patch starts or stops using has no objects of the other layout.
func Compare(old, new *Unit) []Change {
	var out []Change
	for name, o := range old.Types {
		if n, ok := new.Types[name]; ok && !sameLayout(o, n) {
			out = append(out, Change{Name: name, Old: o, New: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func sameLayout(a, b *Type) bool {
	if a.Size != b.Size || len(a.Members) != len(b.Members) {
		return false
	}
	for i := range a.Members {
		if a.Members[i] != b.Members[i] {
			return false
		}
	}
	return true
}

// Describe says what changed in c, for a message: the size and the first
// members that moved, appeared or went.
func (c Change) Describe() string {
	var parts []string
	if c.Old.Size != c.New.Size {
		parts = append(parts, fmt.Sprintf("size from %d to %d bytes", c.Old.Size, c.New.Size))
	}
	old := map[string]Member{}
	for _, m := range c.Old.Members {
		old[m.Name] = m
	}
	seen := map[string]bool{}
	for _, m := range c.New.Members {
		seen[m.Name] = true
		o, ok := old[m.Name]
		switch {
		case !ok:
			parts = append(parts, fmt.Sprintf("new member %s at offset %d", m.Name, m.Offset))
		case o.Offset != m.Offset || o.BitOffset != m.BitOffset:
			parts = append(parts, fmt.Sprintf("member %s moved from offset %d to %d", m.Name, o.Offset, m.Offset))
		case o != m:
			parts = append(parts, fmt.Sprintf("member %s changed type from %s to %s", m.Name, o.Type, m.Type))
		}
	}
	for _, m := range c.Old.Members {
		if !seen[m.Name] {
			parts = append(parts, fmt.Sprintf("member %s removed", m.Name))
		}
	}
	const maxParts = 4
	if len(parts) > maxParts {
		parts = append(parts[:maxParts], "...")
	}
	return strings.Join(parts, ", ")
}

// Users returns the functions among names that reach type t in u, sorted.
func (u *Unit) Users(t string, names []string) []string {
	var out []string
	for _, n := range names {
		if u.Uses[n][t] && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
