package asm

import "bytes"

// variableStart reports whether a variable starts at l: .type @object or
// @gnu_unique_object, .globl, .local, .size (not first), aligns and section
// switches naming one symbol, ending at its label in a data section or at
// its .local (arch_parse.c is_variable_start). end is the statement after
// the label.
func (f *File) variableStart(l int) (name string, end int, globl, ok bool) {
	var nm []byte
	for l0 := l; l < f.Len(); l++ {
		s := f.Stmt(l)
		if len(s) == 0 && l != l0 {
			continue
		}
		if f.isColdHotLabel(l) {
			continue
		}
		k := f.Kinds[l]
		var nm2 []byte
		switch k {
		case DirType, DirGlobl, DirLocal:
			nm2 = secondToken(s)
		case Label:
			nm2, _ = NextToken(s, 0)
		}
		if k == DirType || k == DirGlobl || k == DirLocal || k == Label {
			if nm != nil && !bytes.Equal(nm, nm2) {
				return "", 0, false, false
			}
			nm = nm2
		}
		switch {
		case k.IsSectionCmd(), k == DirAlign:
		case k == DirType:
			_, attr := typeArgs(s)
			if string(attr) != "@object" && string(attr) != "@gnu_unique_object" {
				return "", 0, false, false
			}
		case k == DirGlobl:
			globl = true
		case k == Comment || k == DirSize:
			if l == l0 {
				return "", 0, false, false
			}
		case k == Label && f.SectionOf(l).Exec:
			return "", 0, false, false
		case k == Label || k == DirLocal:
			return string(nm), l + 1, globl, true
		default:
			return "", 0, false, false
		}
	}
	return "", 0, false, false
}

// isVariableStart is variableStart without allocating the name.
func (f *File) isVariableStart(l int) bool {
	_, _, _, ok := f.variableStart(l)
	return ok
}

// varBlock reads a variable: its header, data lines and repeated headers
// for the same name (kpatch_parse.c init_var_block).
func (f *File) varBlock(s int, nm string, names map[string]bool) (int, error) {
	e, globl := s, false
	for e < f.Len() {
		if nm2, e2, g, ok := f.variableStart(e); ok {
			if nm2 != nm {
				break
			}
			e, globl = e2, g
			continue
		}
		if IsDataDef(f.Stmt(e)) {
			e++
			continue
		}
		break
	}
	_, err := f.addBlock(BlockVar, s, e, nm, globl, names)
	return e, err
}

// attrBlock makes a one-statement block of a lone .weak/.globl, named by
// the whole directive; a repeated one belongs to no block.
func (f *File) attrBlock(i int, names map[string]bool) {
	s := f.Stmt(i)
	nm := string(s[skipBlanks(s, 0):])
	if names[nm] {
		return
	}
	f.addBlock(BlockAttr, i, i+1, nm, false, names)
}

// otherBlock runs to the next function or variable start.
func (f *File) otherBlock(s int) int {
	e := s
	for e < f.Len() {
		if _, ok := f.functionStart(e); ok || f.isVariableStart(e) {
			break
		}
		e++
	}
	if e == s {
		e++
	}
	f.addBlock(BlockOther, s, e, "", false, nil)
	return e
}
