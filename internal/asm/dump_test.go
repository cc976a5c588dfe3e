package asm

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

var dumpFile = flag.String("dump", "", "print the blocks of this .s file")

func TestDump(t *testing.T) {
	if *dumpFile == "" {
		t.Skip("no -dump")
	}
	data, err := os.ReadFile(*dumpFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(*dumpFile, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range f.Blocks {
		fmt.Printf("%-5s %5d-%5d %q human=%q auto=%v globl=%v\n", b.Type, f.LineOf(b.Start), f.LineOf(b.End-1), b.Name, b.Human, b.Auto, b.Global)
	}
}
