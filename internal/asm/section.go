package asm

import "bytes"

// Section describes one section name met in a file (kpatch_parse.c
// section_desc).
type Section struct {
	Name string
	// Exec is set for the predefined code sections and for sections whose
	// flags string contains 'x'.
	Exec bool
	// OutName is the fixed replacement used for new code and data (kernel
	// tables); empty means .kpatch.text or .kpatch.data by Exec.
	OutName string
	// Group is set for a COMDAT/group section ("G" flag): switching back to
	// it needs its whole Spec, the operands of its first .section.
	Group bool
	Spec  string
}

// predefined mirrors kpatch_parse.c predefined_sections.
var predefined = []Section{
	{Name: ".bss"},
	{Name: ".data"},
	{Name: ".init.data"},
	{Name: ".text", Exec: true},
	{Name: ".init.text", Exec: true},
	{Name: ".exit.text", Exec: true},
	{Name: ".text.unlikely", Exec: true},
	{Name: ".text.hot", Exec: true},
	{Name: ".fixup", OutName: `.kpatch.fixup,"ax",@progbits`, Exec: true},
	{Name: ".modinfo"},
	{Name: "__ex_table", OutName: `.kpatch.__ex_table,"a",@progbits`},
	{Name: "__bug_table", OutName: `.kpatch.__bug_table,"a"`},
	{Name: ".altinstructions", OutName: `.kpatch.altinstructions,"a"`},
	{Name: ".altinstr_replacement", OutName: `.kpatch.altinstr_replacement, "ax"`, Exec: true},
	{Name: ".smp_locks", OutName: `.kpatch.smp_locks,"a"`},
	{Name: ".parainstructions", OutName: `.kpatch.parainstructions,"a"`},
	{Name: "__jump_table", OutName: `.kpatch.__jump_table,"a"`},
	{Name: ".kpatch.text", Exec: true},
	{Name: ".kpatch.init.pre", OutName: `.kpatch.init.pre,"aw",@progbits`},
	{Name: ".kpatch.init", OutName: `.kpatch.init,"aw",@progbits`},
	{Name: ".kpatch.init.post", OutName: `.kpatch.init.post,"aw",@progbits`},
	{Name: ".kpatch.exit.pre", OutName: `.kpatch.exit.pre,"aw",@progbits`},
	{Name: ".kpatch.exit", OutName: `.kpatch.exit,"aw",@progbits`},
	{Name: ".kpatch.exit.post", OutName: `.kpatch.exit.post,"aw",@progbits`},
	{Name: ".discard", OutName: `.discard,"awx",@progbits`, Exec: true},
	{Name: "__ksymtab", OutName: `.kpatch.__ksymtab,"a"`},
	{Name: "__ksymtab_gpl", OutName: `.kpatch.__ksymtab,"a"`},
	{Name: "__kcrctab", OutName: `.kpatch.__kcrctab,"a"`},
	{Name: "__kcrctab_gpl", OutName: `.kpatch.__kcrctab,"a"`},
	{Name: "__kstrtab", OutName: `.kpatch.__kstrtab,"a"`},
}

const (
	secBss  = 0
	secData = 1
	secText = 3
)

// secState is the section in force after a statement and the state before
// the last switch (what .popsection and .previous return to: LibcarePlus
// keeps one level, not a real stack).
type secState struct {
	sect int32
	prev int32
}

type sectionTable struct {
	list   []Section
	byName map[string]int32
}

func newSectionTable() *sectionTable {
	t := &sectionTable{byName: make(map[string]int32, len(predefined)+16)}
	t.list = append(t.list, predefined...)
	for i, s := range predefined {
		t.byName[s.Name] = int32(i)
	}
	return t
}

// parse handles ".section NAME[,"flags"...]" (kpatch_parse.c __parse_section).
func (t *sectionTable) parse(s []byte) int32 {
	_, p := NextToken(s, 0)
	st, e, next := tokenAt(s, p, sectDelims)
	var name []byte
	if st >= 0 {
		name = s[st:e]
	}
	if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
		name = name[1 : len(name)-1]
	}
	if i, ok := t.byName[string(name)]; ok {
		return i
	}
	sec := Section{Name: string(name), Spec: string(bytes.TrimSpace(s[max(st, 0):]))}
	if comma, q := NextToken(s, next); len(comma) == 1 && comma[0] == ',' {
		if attr, _ := NextToken(s, q); len(attr) > 0 && attr[0] == '"' {
			if j := bytes.IndexAny(attr[1:], "x\""); j >= 0 && attr[1+j] == 'x' {
				sec.Exec = true
			}
			sec.Group = bytes.IndexByte(attr, 'G') >= 0
		}
	}
	i := int32(len(t.list))
	t.list = append(t.list, sec)
	t.byName[sec.Name] = i
	return i
}

// trackSections fills f.sect with the state index in force after each
// statement (kpatch_parse.c init_sections); statement 0 is in .text.
func (f *File) trackSections() {
	tab := newSectionTable()
	f.states = append(f.states[:0], secState{sect: secText, prev: -1})
	f.sect = make([]int32, f.Len())
	cur := int32(0)
	for i := 1; i < f.Len(); i++ {
		sect, ok := int32(0), true
		switch f.Kinds[i] {
		case DirText:
			sect = secText
		case DirData:
			sect = secData
		case DirBss:
			sect = secBss
		case DirSection, DirPushSection:
			sect = tab.parse(f.Stmt(i))
		case DirPopSection, DirPrevious:
			sect = f.states[cur].sect
			if p := f.states[cur].prev; p >= 0 {
				sect = f.states[p].sect
			}
		case DirSubsection:
			sect = f.states[cur].sect
		default:
			ok = false
		}
		if ok {
			f.states = append(f.states, secState{sect: sect, prev: cur})
			cur = int32(len(f.states) - 1)
		}
		f.sect[i] = cur
	}
	f.Sections = tab.list
}

// SectionOf returns the section in force at statement i (after it, when it
// is a section directive).
func (f *File) SectionOf(i int) *Section {
	return &f.Sections[f.states[f.sect[i]].sect]
}

// SectionIndex returns the index into f.Sections of SectionOf(i).
func (f *File) SectionIndex(i int) int {
	return int(f.states[f.sect[i]].sect)
}
