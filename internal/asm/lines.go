package asm

import "bytes"

// splitStatements appends the [start, end) offsets of the statements of
// the physical line data[ls:le]: a line is cut at ';' and after a leading
// "label:" unless a '#' token comes first (arch_parse.c init_multilines).
func splitStatements(dst []uint32, data []byte, ls, le int) []uint32 {
	line := data[ls:le:le]
	if bytes.IndexByte(line, ';') < 0 && bytes.IndexByte(line, ':') < 0 {
		return append(dst, uint32(ls), uint32(le))
	}
	p := 0
	for p >= 0 && p < len(line) {
		se, slen, first := p, len(line)-p, true
		for se >= 0 {
			st, e, next := tokenAt(line, se, stdDelims)
			if st >= 0 && e-st == 1 && line[st] == '#' {
				return append(dst, uint32(ls+p), uint32(le))
			}
			if st >= 0 && e-st == 1 && line[st] == ';' {
				slen = st - p
				se = next
				break
			}
			if first && next >= 0 && line[next] == ':' && next+1 < len(line) {
				slen = next - p + 1
				se = next + 1
				break
			}
			first = false
			se = next
		}
		dst = append(dst, uint32(ls+p), uint32(ls+p+slen))
		p = se
	}
	return dst
}
