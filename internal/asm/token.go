package asm

// delimSet marks the bytes that end a token.
type delimSet [256]bool

func newDelims(s string) *delimSet {
	var d delimSet
	for i := 0; i < len(s); i++ {
		d[s[i]] = true
	}
	return &d
}

var (
	// stdDelims are the token delimiters of LibcarePlus get_token().
	stdDelims = newDelims(" \t,;:-+*()[]$\n")
	// sectDelims allow '-' in section names such as .note.GNU-stack.
	sectDelims = newDelims(" \t,\n;")
)

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

func skipBlanks(s []byte, p int) int {
	for p < len(s) && isBlank(s[p]) {
		p++
	}
	return p
}

// NextToken returns the token of s starting at or after pos and the position
// of the next token, or -1 when the statement ends after this token (the
// C code's NULL). Tokens are split on blanks and on " \t,;:-+*()[]$"; each
// delimiter other than a blank is a token of its own and a double-quoted
// string (with backslash escapes) is one token. An empty token with next -1
// means there was nothing left.
func NextToken(s []byte, pos int) (tok []byte, next int) {
	return nextToken(s, pos, stdDelims)
}

func nextToken(s []byte, pos int, d *delimSet) ([]byte, int) {
	st, e, next := tokenAt(s, pos, d)
	if st < 0 {
		return nil, -1
	}
	return s[st:e], next
}

// tokenAt is nextToken returning the token's bounds; st is -1 when there is
// no token.
func tokenAt(s []byte, pos int, d *delimSet) (st, e, next int) {
	if pos < 0 {
		return -1, -1, -1
	}
	p := skipBlanks(s, pos)
	if p >= len(s) || s[p] == '\n' {
		return -1, -1, -1
	}
	e = p
	if s[p] == '"' {
		for e = p + 1; e < len(s) && s[e] != '"'; e++ {
			if s[e] == '\\' && e+1 < len(s) {
				e++
			}
		}
		if e < len(s) && s[e] == '"' {
			e++
		}
	} else {
		for e < len(s) && !d[s[e]] {
			e++
		}
	}
	if e == p {
		e++
	}
	q := skipBlanks(s, e)
	if q >= len(s) || s[q] == '\n' {
		return p, e, -1
	}
	return p, e, q
}

// Tokens returns the first n tokens of s, nil for missing ones.
func Tokens(s []byte, n int) [][]byte {
	out := make([][]byte, n)
	pos := 0
	for i := 0; i < n && pos >= 0; i++ {
		out[i], pos = NextToken(s, pos)
	}
	return out
}

// secondToken returns the second token of s (the operand of a directive).
func secondToken(s []byte) []byte {
	_, p := NextToken(s, 0)
	t, _ := NextToken(s, p)
	return t
}

// TokenBounds is NextToken returning the token as s[st:e]; st is -1 when
// there is no token left.
func TokenBounds(s []byte, pos int) (st, e, next int) {
	return tokenAt(s, pos, stdDelims)
}
