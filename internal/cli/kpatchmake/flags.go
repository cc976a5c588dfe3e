package kpatchmake

// duplicateError mirrors upstream's "duplicate inputted ..." refusal of a
// repeated -b, -i or -o.
type duplicateError struct{ what string }

func (e *duplicateError) Error() string { return "duplicate inputted " + e.what }

// onceString is a string flag that may be given once.
type onceString struct {
	what string
	v    string
	set  bool
}

func (s *onceString) named(what string) *onceString { s.what = what; return s }

func (s *onceString) String() string { return s.v }

func (s *onceString) Type() string { return "string" }

func (s *onceString) Set(v string) error {
	if s.set {
		return &duplicateError{what: s.what}
	}
	s.v, s.set = v, true
	return nil
}
