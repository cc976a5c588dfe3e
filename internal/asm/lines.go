package asm

import "bytes"

// splitLines cuts data into physical lines without their "\r\n"/"\n" ends
// (kpatch_io.c read_file + trim_crlf).
func splitLines(data []byte) [][]byte {
	n := bytes.Count(data, []byte{'\n'}) + 1
	lines := make([][]byte, 0, n)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var l []byte
		if i < 0 {
			l, data = data, nil
		} else {
			l, data = data[:i], data[i+1:]
		}
		for len(l) > 0 && (l[len(l)-1] == '\r' || l[len(l)-1] == '\n') {
			l = l[:len(l)-1]
		}
		lines = append(lines, l[:len(l):len(l)])
	}
	return lines
}

// splitStatements appends the statements of one physical line: a line is
// cut at ';' and after a leading "label:" unless a '#' token comes first
// (arch_parse.c init_multilines).
func splitStatements(dst [][]byte, line []byte) [][]byte {
	if bytes.IndexByte(line, ';') < 0 && bytes.IndexByte(line, ':') < 0 {
		return append(dst, line)
	}
	p := 0
	for p >= 0 && p < len(line) {
		se, slen, first := p, len(line)-p, true
		for se >= 0 {
			st, e, next := tokenAt(line, se, stdDelims)
			if st >= 0 && e-st == 1 && line[st] == '#' {
				return append(dst, line[p:])
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
		dst = append(dst, line[p:p+slen:p+slen])
		p = se
	}
	return dst
}
