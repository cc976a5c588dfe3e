// Package ccargs models a gcc command line the way the gcc driver reads it:
// which elements are options, which are option values, which are input
// files and of what type, and at which stage gcc stops (preprocess, compile
// to assembly, assemble to an object, link). libcare-cc uses it to decide
// which commands to run instead; the package never runs anything.
//
// Unlike LibcarePlus's kpatch_cc.c, it knows every option that takes a
// separate value ("-D X=1", "-L dir", "-Xlinker -q", "--param x=y"), so
// values are never mistaken for input files.
package ccargs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind says what an argv element is.
type Kind uint8

const (
	// Option is an option complete in itself, possibly with a joined value
	// ("-O2", "-Iinc", "-ofoo", "-Wl,-q").
	Option Kind = iota
	// OptionWithValue is an option whose value is the next element ("-o").
	OptionWithValue
	// Value is the separate value of the option before it.
	Value
	// Input is an input file, or "-" for standard input.
	Input
)

// Action is the stage at which gcc stops, which decides what libcare-cc does.
type Action uint8

const (
	// ActionNone: no input files (gcc has nothing to do, or errors).
	ActionNone Action = iota
	// ActionLink: compile the sources if any, then link (no -c/-S/-E).
	ActionLink
	// ActionObject: stop after assembling (-c).
	ActionObject
	// ActionAsm: stop after compiling to assembly (-S).
	ActionAsm
	// ActionPreprocess: stop after preprocessing (-E).
	ActionPreprocess
	// ActionDepend: only write dependencies (-M, -MM; they imply -E).
	ActionDepend
	// ActionSyntaxOnly: check syntax and write nothing (-fsyntax-only).
	ActionSyntaxOnly
	// ActionInfo: print something and exit (--version, --help, -print-*,
	// -dumpversion, -###, a lone -v).
	ActionInfo
)

var actionNames = [...]string{"none", "link", "object", "asm", "preprocess",
	"depend", "syntax-only", "info"}

// String returns the action's name as used in debug output.
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", a)
}

// Arg is one classified argv element.
type Arg struct {
	// Text is the argv element as given.
	Text string
	// Kind says what the element is.
	Kind Kind
	// Name is the option's name ("-o" for both "-o" and "-ofoo"); for a
	// Value, the name of its option; "" for inputs.
	Name string
	// Value is the option's value, joined or separate ("" if none); for a
	// Value element, the element itself.
	Value string
	// Type is the file type of an input (and TypeLib for "-lfoo").
	Type FileType
	// Lang is the explicit -x language an input is read with ("" when gcc
	// goes by the file name suffix).
	Lang string
}

// Cmdline is a parsed gcc command line.
type Cmdline struct {
	// Args holds every element of the parsed argv, in order.
	Args []Arg
	// Action is the stage gcc stops at.
	Action Action
	// Output is the value of the last -o ("" when there is none).
	Output string
	// Inputs are the indexes in Args of the input files.
	Inputs []int
	// DepFile is true when a dependency file is written as a side effect
	// (-MD, -MMD); DepFileName and DepTarget tell whether -MF and
	// -MT/-MQ were given.
	DepFile, DepFileName, DepTarget bool
	// Verbose is true when -v was given.
	Verbose bool
}

// ErrMissingValue is returned for an option that needs a value at the end
// of the command line.
var ErrMissingValue = errors.New("missing value")

// Parse classifies argv, the compiler's arguments without argv[0].
func Parse(argv []string) (*Cmdline, error) {
	c := &Cmdline{Args: make([]Arg, 0, len(argv))}
	p := parser{c: c}
	for i := 0; i < len(argv); i++ {
		s := argv[i]
		if len(s) > 1 && s[0] == '@' {
			// A response file: gcc reads more arguments from it. They
			// stay unknown; the real compiler gets them unchanged.
			c.Args = append(c.Args, Arg{Text: s, Kind: Option, Name: "@", Value: s[1:]})
			continue
		}
		if !isOption(s) {
			p.input(s)
			continue
		}
		if r, ok := separate[s]; ok {
			if i+1 >= len(argv) {
				return nil, fmt.Errorf("option %s: %w", s, ErrMissingValue)
			}
			i++
			p.option(Arg{Text: s, Kind: OptionWithValue, Name: s, Value: argv[i]}, r)
			c.Args = append(c.Args, Arg{Text: argv[i], Kind: Value, Name: s, Value: argv[i]})
			continue
		}
		p.flag(s)
	}
	c.Action = p.action()
	return c, nil
}

// isOption reports whether s is an option; "-" alone is standard input.
func isOption(s string) bool { return len(s) > 1 && s[0] == '-' }

type parser struct {
	c       *Cmdline
	lang    string // current -x language, "" for none
	stop    Action // earliest stop among -c/-S/-E/-M
	info    bool
	syntax  bool
	depOnly bool
}

func (p *parser) input(s string) {
	t := typeOf(s, p.lang)
	p.c.Inputs = append(p.c.Inputs, len(p.c.Args))
	p.c.Args = append(p.c.Args, Arg{Text: s, Kind: Input, Type: t, Lang: p.lang})
}

// option records an option with its value and applies its role.
func (p *parser) option(a Arg, r role) {
	switch r {
	case roleOutput:
		p.c.Output = a.Value
	case roleLang:
		p.lang = a.Value
		if p.lang == "none" {
			p.lang = ""
		}
	case roleLib:
		a.Type = TypeLib
	case roleDepFile:
		p.c.DepFileName = true
	case roleDepTarget:
		p.c.DepTarget = true
	}
	p.c.Args = append(p.c.Args, a)
}

// flag handles an option that does not take the next element.
func (p *parser) flag(s string) {
	if name, value, r, ok := lookupJoined(s); ok {
		p.option(Arg{Text: s, Kind: Option, Name: name, Value: value}, r)
		return
	}
	if name, value, ok := splitLong(s); ok {
		p.option(Arg{Text: s, Kind: Option, Name: name, Value: value}, roleNone)
		return
	}
	p.c.Args = append(p.c.Args, Arg{Text: s, Kind: Option, Name: s})
	switch a, ok := actionFlag[s]; {
	case ok && a == ActionInfo:
		p.info = true
	case ok && a == ActionSyntaxOnly:
		p.syntax = true
	case ok && a == ActionDepend:
		p.depOnly = true
	case ok:
		p.stopAt(a)
	case s == "-v":
		p.c.Verbose = true
	case infoRE.MatchString(s):
		p.info = true
	case depSideRE.MatchString(s):
		p.c.DepFile = true
	}
}

// stopAt keeps the earliest stop: gcc -c -S stops after -S.
func (p *parser) stopAt(a Action) {
	rank := func(a Action) int {
		switch a {
		case ActionPreprocess:
			return 3
		case ActionAsm:
			return 2
		case ActionObject:
			return 1
		}
		return 0
	}
	if rank(a) > rank(p.stop) {
		p.stop = a
	}
}

func (p *parser) action() Action {
	switch {
	case p.info:
		return ActionInfo
	case len(p.c.Inputs) == 0 && p.c.Verbose:
		return ActionInfo
	case len(p.c.Inputs) == 0:
		return ActionNone
	case p.depOnly:
		return ActionDepend
	case p.stop == ActionPreprocess:
		return ActionPreprocess
	case p.syntax:
		return ActionSyntaxOnly
	case p.stop != ActionNone:
		return p.stop
	}
	return ActionLink
}

// Sources returns the indexes in Args of the inputs of the given types.
func (c *Cmdline) Sources(types ...FileType) []int {
	var out []int
	for _, i := range c.Inputs {
		for _, t := range types {
			if c.Args[i].Type == t {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// Argv returns the Text of every element, the command line as given.
func (c *Cmdline) Argv() []string {
	out := make([]string, len(c.Args))
	for i, a := range c.Args {
		out[i] = a.Text
	}
	return out
}

// LTO reports whether the command line enables link-time optimisation:
// the last of -flto, -flto=N|auto|jobserver and -fno-lto wins, as in gcc.
// An LTO object holds GIMPLE bytecode instead of code, nothing a live
// patch can be made of.
func (c *Cmdline) LTO() bool {
	on := false
	for _, a := range c.Args {
		switch {
		case a.Kind != Option:
		case a.Text == "-flto" || strings.HasPrefix(a.Text, "-flto="):
			on = true
		case a.Text == "-fno-lto":
			on = false
		}
	}
	return on
}
