package ccwrap

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/golibcare/golibcare/internal/ccargs"
)

// builder builds the plan of a command line libcare-cc handles.
type builder struct {
	c       *Config
	cmd     *ccargs.Cmdline
	cxxName bool // called as g++/c++
	plan    Plan
}

// singles is the -c / -S flow of the patched stage for every input:
// source -> <asm> -> object (or copy of the assembly for -S) (facts §5.4);
// an input libcare-cc does not handle is compiled on its own.
func (b *builder) singles() (*Plan, error) {
	ext := ".o"
	if b.cmd.Action == ccargs.ActionAsm {
		ext = ".s"
	}
	for _, idx := range b.cmd.Inputs {
		in := b.cmd.Args[idx]
		out := b.outputOf(idx, ext)
		if !b.c.handles(in.Type, b.cmd.Action) {
			b.run(b.alone(idx))
			continue
		}
		names, err := b.c.names(out)
		if err != nil {
			return nil, err
		}
		asm := b.toAsm(idx, names, out, false)
		if b.cmd.Action == ccargs.ActionAsm {
			b.plan.Steps = append(b.plan.Steps, Step{Op: OpCopy, From: asm, To: out})
			continue
		}
		b.run(b.assemble(asm, out))
		b.plan.Steps = append(b.plan.Steps, Step{Op: OpCheck, From: out, Keeps: []Keep{{Asm: asm, Source: in.Text}}})
	}
	return &b.plan, nil
}

// alone is the command line with input idx as its only input.
func (b *builder) alone(idx int) []string {
	argv := []string{b.c.compiler(b.cxxName || b.cmd.Args[idx].Type == ccargs.TypeCXX)}
	for _, i := range b.kept(func(ccargs.Arg) bool { return false }) {
		if b.cmd.Args[i].Kind != ccargs.Input || i == idx {
			argv = append(argv, b.cmd.Args[i].Text)
		}
	}
	return append(argv, b.c.AppendArgs...)
}

// link is the compile-and-link flow: every source is compiled to its own
// assembly, which replaces it on the final command; a link of objects only
// is re-run with KPCC_APPEND_ARGS (how -Wl,-q reaches the linker).
func (b *builder) link() (*Plan, error) {
	replaced := map[int]string{}
	for _, i := range b.cmd.Inputs {
		a := b.cmd.Args[i]
		if !b.c.handles(a.Type, ccargs.ActionLink) {
			continue
		}
		names, err := b.c.names(a.Text)
		if err != nil {
			return nil, err
		}
		replaced[i] = b.toAsm(i, names, b.cmd.Output, true)
	}
	argv := b.linkArgs(replaced)
	if len(b.plan.Steps) == 0 {
		return &Plan{Exec: argv}, nil
	}
	b.run(argv)
	if b.c.Stage == StagePatched {
		var keeps []Keep
		for _, i := range b.cmd.Inputs {
			if asm, ok := replaced[i]; ok {
				keeps = append(keeps, Keep{Asm: asm, Source: b.cmd.Args[i].Text})
			}
		}
		b.plan.Steps = append(b.plan.Steps, Step{Op: OpCheck, From: b.outputs()[0], Keeps: keeps})
	}
	return &b.plan, nil
}

// toAsm adds the steps that turn input idx into the assembly to build from:
// gcc -S (-E for .S, a copy for .s), then kpatch_gensrc in the patched
// stage. out is the output of the real command (the object for -c).
func (b *builder) toAsm(idx int, names asmNames, out string, link bool) string {
	in := b.cmd.Args[idx]
	asm := names.stage(b.c.Stage)
	switch in.Type {
	case ccargs.TypeAsm:
		b.plan.Steps = append(b.plan.Steps, Step{Op: OpCopy, From: in.Text, To: asm})
	case ccargs.TypeAsmCpp:
		b.run(b.compile(idx, "-E", asm, out, link))
	default:
		argv := b.compile(idx, "-S", asm, out, link)
		if b.c.Stage == StagePatched && b.c.reuse(argv, asm) {
			b.plan.Steps = append(b.plan.Steps, Step{Op: OpRename, From: asm + specExt, To: asm})
		} else {
			b.run(argv)
		}
		b.speculate(idx, names, out, link)
	}
	if b.c.Stage != StagePatched {
		return asm
	}
	if orig := names.stage(StageOriginal); in.Type.IsSource() && exists(orig) {
		b.plan.Steps = append(b.plan.Steps, Step{Op: OpLayout, From: orig, To: asm, Argv: b.asmPrefix(),
			Keeps: []Keep{{Source: in.Text}}})
	}
	return b.generate(names)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// asmPrefix is the command that assembles a file named after it, with the
// options of the command line that matter to the assembler.
func (b *builder) asmPrefix() []string {
	argv := b.assemble("", "")
	return argv[:len(argv)-len(b.c.AppendArgs)-3] // drop "" -o ""
}

// compile returns the command that stops input idx at stop ("-S", "-E")
// writing asm. Other inputs, libraries, -o and -c/-S are dropped.
func (b *builder) compile(idx int, stop, asm, out string, link bool) []string {
	in := b.cmd.Args[idx]
	argv := []string{b.c.compiler(b.cxxName || in.Type == ccargs.TypeCXX)}
	for _, i := range b.kept(func(a ccargs.Arg) bool {
		return a.Kind == ccargs.Input || a.Type == ccargs.TypeLib || isOutput(a) || isStop(a) || isLang(a)
	}) {
		argv = append(argv, b.cmd.Args[i].Text)
	}
	if in.Lang != "" {
		argv = append(argv, "-x", in.Lang)
	}
	argv = append(argv, stop, in.Text, "-o", asm)
	argv = append(argv, b.depArgs(depNames(in.Text, out, link))...)
	return append(argv, b.c.AppendArgs...)
}

// depArgs keeps a -MD dependency file where gcc would write it: -o now
// names the assembly file, which would otherwise name both the .d file and
// its target. file and target are gcc's defaults for the real command.
func (b *builder) depArgs(file, target string) []string {
	if !b.cmd.DepFile {
		return nil
	}
	var argv []string
	if !b.cmd.DepFileName {
		argv = append(argv, "-MF", file)
	}
	if !b.cmd.DepTarget {
		argv = append(argv, "-MQ", target)
	}
	return argv
}

// depNames returns gcc 12's default dependency file and target for source
// in: named after -o when there is one (every source of a link writes
// the same <output>.d, as gcc does), else a-<source>.d for <source>.o.
func depNames(in, out string, link bool) (file, target string) {
	if out != "" {
		return trimExt(out) + ".d", out
	}
	base := trimExt(filepath.Base(in))
	if link {
		return "a-" + base + ".d", base + ".o"
	}
	return base + ".d", base + ".o"
}

func trimExt(p string) string { return strings.TrimSuffix(p, filepath.Ext(p)) }

// assemble returns the command that assembles asm into out, with the
// options of the original command except -x and the dependency options
// (step one wrote the dependency file).
func (b *builder) assemble(asm, out string) []string {
	argv := []string{b.c.compiler(b.cxxName || len(b.cmd.Sources(ccargs.TypeCXX)) > 0)}
	for _, i := range b.kept(func(a ccargs.Arg) bool {
		return a.Kind == ccargs.Input || isOutput(a) || isStop(a) || isLang(a) || isDep(a)
	}) {
		argv = append(argv, b.cmd.Args[i].Text)
	}
	argv = append(argv, "-c", "-x", "assembler", asm, "-o", out)
	return append(argv, b.c.AppendArgs...)
}

// linkArgs returns the final command of the link flow, with inputs
// replaced by their assembly and -x options rewritten so that each input
// is read as before.
func (b *builder) linkArgs(replaced map[int]string) []string {
	argv := []string{b.c.compiler(b.cxxName || len(b.cmd.Sources(ccargs.TypeCXX)) > 0)}
	lang := ""
	for _, i := range b.kept(isLang) {
		a := b.cmd.Args[i]
		if a.Kind != ccargs.Input {
			argv = append(argv, a.Text)
			continue
		}
		want, text := a.Lang, a.Text
		if asm, ok := replaced[i]; ok {
			// The .s name says "assembler" already; an explicit -x would
			// make g++ believe no C++ is linked and drop libstdc++.
			want, text = "", asm
		}
		if want != lang {
			argv = append(argv, "-x", cmp(want, "none"))
			lang = want
		}
		argv = append(argv, text)
	}
	return append(argv, b.c.AppendArgs...)
}

// kept returns the indexes of the elements that neither KPCC_REMOVE_ARGS
// nor drop removes; an option's separate value shares its fate.
func (b *builder) kept(drop func(ccargs.Arg) bool) []int {
	var out []int
	dropped := false
	for i, a := range b.cmd.Args {
		switch a.Kind {
		case ccargs.Value:
		case ccargs.Input:
			dropped = drop(a)
		default:
			dropped = b.c.removed(a.Text) || drop(a)
		}
		if !dropped {
			out = append(out, i)
		}
	}
	return out
}

func (b *builder) run(argv []string) {
	b.plan.Steps = append(b.plan.Steps, Step{Op: OpRun, Argv: argv})
}

// generate adds the patched-stage steps: filter both assembly files, then
// kpatch_gensrc original + patched -> <prefix><base>.s (facts §5.4).
func (b *builder) generate(names asmNames) string {
	gensrc := filepath.Join(b.c.KpatchPath, "kpatch_gensrc")
	orig := names.stage(StageOriginal)
	if _, err := os.Stat(orig); err != nil {
		orig = os.DevNull // no original: the whole file is new code
	}
	if len(b.c.DbgFilterArgs) > 0 {
		for _, f := range []string{orig, names.stage(StagePatched)} {
			if f != os.DevNull {
				b.gensrc(gensrc, b.c.DbgFilterArgs, []string{f}, f)
			}
		}
	}
	out := names.result()
	b.gensrc(gensrc, b.c.PatchArgs, []string{orig, names.stage(StagePatched)}, out)
	return out
}

// gensrc runs kpatch_gensrc into out.tmp and renames it over out.
func (b *builder) gensrc(gensrc string, args, inputs []string, out string) {
	argv := append([]string{gensrc}, args...)
	for _, in := range inputs {
		argv = append(argv, "-i", in)
	}
	argv = append(argv, "-o", out+".tmp")
	b.run(argv)
	b.plan.Steps = append(b.plan.Steps, Step{Op: OpRename, From: out + ".tmp", To: out})
}

func isOutput(a ccargs.Arg) bool { return a.Name == "-o" || a.Name == "--output" }

func isLang(a ccargs.Arg) bool { return a.Name == "-x" || a.Name == "--language" }

func isStop(a ccargs.Arg) bool {
	switch a.Text {
	case "-c", "-S", "--compile", "--assemble":
		return true
	}
	return false
}

func isDep(a ccargs.Arg) bool {
	switch a.Name {
	case "-MD", "-MMD", "-MF", "-MT", "-MQ", "-MP", "-MG",
		"--write-dependencies", "--write-user-dependencies":
		return true
	}
	return false
}

func cmp(s, ifEmpty string) string {
	if s == "" {
		return ifEmpty
	}
	return s
}
