package ccwrap

import (
	"github.com/golibcare/golibcare/internal/ccargs"
)

// original plans the original stage: the real compiler runs the command
// line as given (only KPCC_REMOVE_ARGS, empty by default, and
// KPCC_APPEND_ARGS change it), so objects and binaries are byte for byte
// those of a build without libcare-cc, and the assembly of every source is
// kept beside its output (hook.go). -S writes the assembly itself.
func (b *builder) original() (*Plan, error) {
	argv := b.userArgv()
	if b.cmd.Action == ccargs.ActionAsm {
		b.run(argv)
		for _, i := range b.cmd.Inputs {
			if !b.c.handles(b.cmd.Args[i].Type, ccargs.ActionAsm) {
				continue
			}
			out := b.outputOf(i, ".s")
			names, err := b.c.names(out)
			if err != nil {
				return nil, err
			}
			b.plan.Steps = append(b.plan.Steps, Step{Op: OpCopy, From: out, To: names.stage(StageOriginal)})
		}
		return &b.plan, nil
	}
	keeps, err := b.keeps()
	if err != nil {
		return nil, err
	}
	b.plan.Steps = append(b.plan.Steps, Step{Op: OpHook, Argv: argv, Keeps: keeps, Outputs: b.outputs()})
	return &b.plan, nil
}

// userArgv is the command line as given, for the real compiler the user
// named: gcc for cc and gcc, g++ for g++ and c++, whatever the sources are
// (g++ would link C++ sources that gcc does not).
func (b *builder) userArgv() []string {
	argv := []string{b.c.compiler(b.cxxName)}
	for _, i := range b.kept(func(ccargs.Arg) bool { return false }) {
		argv = append(argv, b.cmd.Args[i].Text)
	}
	return append(argv, b.c.AppendArgs...)
}

// keeps lists the assembler runs of the command line, one per input that
// gcc compiles or assembles, in input order. Objects are named after the
// output (-c), linked sources after the source (facts §5.3).
func (b *builder) keeps() ([]Keep, error) {
	var keeps []Keep
	for _, i := range b.cmd.Inputs {
		in := b.cmd.Args[i]
		if !in.Type.IsSource() && !in.Type.IsAsm() {
			continue
		}
		k := Keep{Source: in.Text}
		if b.c.handles(in.Type, b.cmd.Action) {
			file := in.Text
			if b.cmd.Action == ccargs.ActionObject {
				file = b.outputOf(i, ".o")
			}
			names, err := b.c.names(file)
			if err != nil {
				return nil, err
			}
			k.Asm = names.stage(StageOriginal)
			if in.Type != ccargs.TypeAsm {
				k.Fallback = b.sideCompile(i, k.Asm) // a .s input is copied
			}
			if in.Type.IsSource() {
				out, link := b.cmd.Output, true
				if b.cmd.Action == ccargs.ActionObject {
					out, link = file, false
				}
				b.speculate(i, names, out, link)
			}
		}
		keeps = append(keeps, k)
	}
	return keeps, nil
}

// outputOf is the file gcc writes for input i with -c or -S: -o names it
// when there is one input, else the input's base name with ext.
func (b *builder) outputOf(i int, ext string) string {
	if b.cmd.Output != "" && len(b.cmd.Inputs) == 1 {
		return b.cmd.Output
	}
	return ccargs.OutputName(b.cmd.Args[i].Text, ext)
}

// outputs are the files the command writes, removed when libcare-cc fails
// after the compiler succeeded, so that make builds them again.
func (b *builder) outputs() []string {
	if b.cmd.Action == ccargs.ActionLink {
		if b.cmd.Output != "" {
			return []string{b.cmd.Output}
		}
		return []string{"a.out"}
	}
	var out []string
	for _, i := range b.cmd.Inputs {
		if t := b.cmd.Args[i].Type; t.IsSource() || t.IsAsm() {
			out = append(out, b.outputOf(i, ".o"))
		}
	}
	return out
}

// sideCompile is the command that writes input i's assembly to asm on its
// own, without the side outputs the real command wrote already
// (dependency files, -save-temps files).
func (b *builder) sideCompile(idx int, asm string) []string {
	in := b.cmd.Args[idx]
	argv := []string{b.c.compiler(b.cxxName || in.Type == ccargs.TypeCXX)}
	for _, i := range b.kept(func(a ccargs.Arg) bool {
		return a.Kind == ccargs.Input || a.Type == ccargs.TypeLib || isOutput(a) || isStop(a) || isLang(a) ||
			isDep(a) || a.Text == "-save-temps" || a.Name == "-save-temps" || isLinkOnly(a)
	}) {
		argv = append(argv, b.cmd.Args[i].Text)
	}
	if in.Lang != "" {
		argv = append(argv, "-x", in.Lang)
	}
	stop := "-S"
	if in.Type == ccargs.TypeAsmCpp {
		stop = "-E"
	}
	return append(argv, stop, in.Text, "-o", asm)
}

// isLinkOnly reports linker options that do not belong on a -S line.
func isLinkOnly(a ccargs.Arg) bool {
	switch a.Name {
	case "-L", "-Xlinker", "-T", "-u", "-e":
		return true
	}
	return len(a.Text) > 4 && a.Text[:4] == "-Wl,"
}
