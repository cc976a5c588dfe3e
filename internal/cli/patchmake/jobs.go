package patchmake

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// jobsAuto is the value of a bare -j: as many jobs as CPUs, as make -j
// (without a number) runs as many as it can.
const jobsAuto = "auto"

// jobs is the -j value: a number of jobs, or jobsAuto.
type jobs int

func (j *jobs) String() string { return strconv.Itoa(int(*j)) }

func (j *jobs) Type() string { return "N" }

// Set parses N, saying what is wrong without the parser's words.
func (j *jobs) Set(s string) error {
	if s == jobsAuto {
		*j = jobs(runtime.NumCPU())
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a number of jobs, not %q", s)
	}
	*j = jobs(n)
	return nil
}

// Args prepares argv for the flag parser: a bare -j or --jobs takes its
// number from the next argument ("-j 4", as getopt's "j:" does) unless
// that is an option, so that -j alone is as many jobs as CPUs; "-j4"
// stays -j 4 (pflag would read a bare -j and an option -4).
func Args(argv []string) []string {
	out := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			return append(out, argv[i:]...)
		}
		if (a == "-j" || a == "--jobs") && i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
			out = append(out, "--jobs="+argv[i+1])
			i++
			continue
		}
		if strings.HasPrefix(a, "-j") && len(a) > 2 && a[2] != '=' {
			a = "--jobs=" + a[2:]
		}
		out = append(out, a)
	}
	return out
}
