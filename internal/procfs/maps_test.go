package procfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMapsCapture(t *testing.T) {
	f, err := os.Open("testdata/sleep.maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	maps, err := ParseMaps(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(maps), 37; got != want {
		t.Fatalf("got %d mappings, want %d", got, want)
	}
	text := maps[1]
	want := Mapping{Start: 0x556783455000, End: 0x55678345a000, Offset: 0x2000, Perms: "r-xp",
		DevMajor: 0xfe, DevMinor: 0, Inode: 247766, Path: "/usr/bin/sleep"}
	if text != want {
		t.Errorf("got %+v, want %+v", text, want)
	}
	if !text.Read() || text.Write() || !text.Exec() || !text.Private() || text.Size() != 0x5000 {
		t.Errorf("got perms r=%v w=%v x=%v p=%v size=%#x, want r-xp size 0x5000",
			text.Read(), text.Write(), text.Exec(), text.Private(), text.Size())
	}
	if anon := maps[16]; anon.Path != "" || anon.Inode != 0 {
		t.Errorf("got anonymous mapping %+v, want empty path", anon)
	}
	last := maps[len(maps)-1]
	if last.Path != "[vsyscall]" || last.Start != 0xffffffffff600000 || last.Perms != "--xp" {
		t.Errorf("got %+v, want [vsyscall]", last)
	}
	if shared := maps[24]; shared.Private() || shared.Perms != "r--s" {
		t.Errorf("got %+v, want a shared mapping", shared)
	}
}

func TestParseMapsPathWithSpaces(t *testing.T) {
	b, err := os.ReadFile("testdata/deleted_spaces.maps")
	if err != nil {
		t.Fatal(err)
	}
	maps, err := ParseMaps(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	want := "/tmp/golibcare-capture/dir with space/my sleep (deleted)"
	if got := maps[0].Path; got != want {
		t.Errorf("got path %q, want %q", got, want)
	}
}

func TestParseMapsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no range dash", "00400000 r-xp 00000000 08:02 1 /bin/x\n", "missing '-'"},
		{"bad start", "zz-00452000 r-xp 00000000 08:02 1 /bin/x\n", "start"},
		{"end before start", "00500000-00400000 r-xp 00000000 08:02 1\n", "before start"},
		{"short perms", "00400000-00452000 r-x 00000000 08:02 1\n", "perms"},
		{"bad offset", "00400000-00452000 r-xp 0000g000 08:02 1\n", "offset"},
		{"bad device", "00400000-00452000 r-xp 00000000 0802 1\n", "device"},
		{"bad inode", "00400000-00452000 r-xp 00000000 08:02 x1\n", "inode"},
		{"too few fields", "00400000-00452000 r-xp 00000000\n", "5 fields"},
		{"second line", "00400000-00452000 r-xp 00000000 08:02 1\nbad\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMaps(strings.NewReader(tt.in))
			if err == nil || m != nil {
				t.Fatalf("got %v, %v, want an error containing %q", m, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseMapsEmpty(t *testing.T) {
	m, err := ParseMaps(strings.NewReader(""))
	if err != nil || m == nil || len(m) != 0 {
		t.Errorf("got %v, %v, want an empty non-nil slice", m, err)
	}
}

func TestReadMapsSelf(t *testing.T) {
	maps, err := ReadMaps(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ = filepath.EvalSymlinks(exe)
	for _, m := range maps {
		if m.Path == exe && m.Exec() {
			return
		}
	}
	t.Errorf("got no executable mapping of %s in %d mappings", exe, len(maps))
}

func FuzzParseMaps(f *testing.F) {
	for _, name := range []string{"sleep.maps", "deleted_spaces.maps", "empty.maps", "short.maps"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMaps(strings.NewReader(string(b)))
		if (err != nil) == (m != nil) {
			t.Fatalf("got %v, %v: want exactly one of result and error", m, err)
		}
	})
}
