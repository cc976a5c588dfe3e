package server

import (
	"encoding/json"
	"fmt"
	"io"
)

// jsonReports merges the --json arrays of several libcare-ctl runs into
// the one array a server command answers; nil means text.
type jsonReports struct {
	list []json.RawMessage
}

// jsonArgs reads the arguments of a server command that takes only
// --json; ok is false for anything else.
func jsonArgs(args []string) (js *jsonReports, ok bool) {
	switch {
	case len(args) == 0:
		return nil, true
	case len(args) == 1 && args[0] == "--json":
		return &jsonReports{list: []json.RawMessage{}}, true
	}
	return nil, false
}

// add appends the elements of one run's array; output that is not an
// array (a usage error) adds nothing.
func (js *jsonReports) add(b []byte) {
	var elems []json.RawMessage
	if json.Unmarshal(b, &elems) == nil {
		js.list = append(js.list, elems...)
	}
}

// nothing records a process left as it was.
func (js *jsonReports) nothing(pid int) {
	js.list = append(js.list, json.RawMessage(fmt.Sprintf(`{"pid":%d,"result":"nothing to do","frozen_time_us":0,"waited_time_us":0,"patches":[]}`, pid)))
}

// print writes the array (text mode: nothing) and returns status.
func (js *jsonReports) print(out io.Writer, status int) int {
	if js == nil {
		return status
	}
	b, err := json.MarshalIndent(js.list, "", "  ")
	if err != nil {
		fmt.Fprintf(stderrOf(out), "error: %v\n", err)
		return 1
	}
	fmt.Fprintf(out, "%s\n", b)
	return status
}

// jsonOut captures a run's stdout while its stderr still goes to the
// client.
type jsonOut struct {
	io.Writer
	stderr io.Writer
}

// Stderr returns where the run's standard error goes.
func (j jsonOut) Stderr() io.Writer { return j.stderr }
