package ccwrap

import (
	"reflect"
	"testing"

	"github.com/golibcare/golibcare/internal/ccargs"
)

func TestTreeMapArgs(t *testing.T) {
	for _, tt := range []struct {
		argv []string
		want []string
	}{
		{[]string{"-c", "x.c"}, []string{"-ffile-prefix-map=/c=/o"}},
		// dpkg-buildflags: the tree maps to "."; so must the copy.
		{[]string{"-ffile-prefix-map=/o=.", "-c", "x.c"}, []string{"-ffile-prefix-map=/c=."}},
		{[]string{"-fdebug-prefix-map=/o=/src", "-c", "x.c"},
			[]string{"-fmacro-prefix-map=/c=/o", "-fdebug-prefix-map=/c=/src"}},
		{[]string{"-ffile-prefix-map=/o/sub=S", "-c", "x.c"},
			[]string{"-ffile-prefix-map=/c=/o", "-fmacro-prefix-map=/c/sub=S", "-fdebug-prefix-map=/c/sub=S"}},
		// /other is not the tree; /o2 only starts like it.
		{[]string{"-ffile-prefix-map=/other=X", "-ffile-prefix-map=/o2=Y", "-c", "x.c"}, []string{"-ffile-prefix-map=/c=/o"}},
	} {
		cmd, err := ccargs.Parse(tt.argv)
		if err != nil {
			t.Fatal(err)
		}
		c := &Config{TreeMap: [2]string{"/c", "/o"}}
		if got := c.treeMapArgs(cmd); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.argv, got, tt.want)
		}
	}
}
