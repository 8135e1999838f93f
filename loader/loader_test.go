package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ztsync/ztsync/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func newLoader(t testing.TB, opts ...Option) *Loader {
	t.Helper()
	l, err := New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l
}

// TestLoadGolden runs every testdata/load/*.txtar case. An archive's files
// are written under a directory "cfg" in a temporary directory, which
// becomes the current directory; the comment is prose, except lines that
// start with a directive:
//
//	symlink NAME TARGET   make a symbolic link cfg/NAME -> TARGET
//	big NAME SIZE         write cfg/NAME, SIZE bytes of CUE comments
//	file NAME TEXT        write NAME (outside cfg) with TEXT
//
// The section "want" holds the expected problems, one per line, with
// the related user positions indented below; "want.json" holds the
// expected schema.Config of a valid configuration.
func TestLoadGolden(t *testing.T) {
	l := newLoader(t)
	forEachGolden(t, func(t *testing.T, abs string, ar *txtar.Archive) {
		res, err := l.LoadDir("cfg")
		got, section := renderResult(t, res, err)
		checkGolden(t, abs, ar, section, got)
	})
}

// forEachGolden runs check as a subtest for every testdata/load case, in a
// fresh temporary directory holding the case's files (see writeArchive);
// abs is the case file's absolute path.
func forEachGolden(t *testing.T, check func(t *testing.T, abs string, ar *txtar.Archive)) {
	t.Helper()
	cases, err := filepath.Glob("testdata/load/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, path := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			abs, err := filepath.Abs(path)
			if err != nil {
				t.Fatal(err)
			}
			ar, err := txtar.ParseFile(abs)
			if err != nil {
				t.Fatal(err)
			}
			t.Chdir(t.TempDir())
			writeArchive(t, ar)
			check(t, abs, ar)
		})
	}
}

// writeArchive writes ar's files (except the want sections) under cfg
// and applies its directives, in the current directory.
func writeArchive(t *testing.T, ar *txtar.Archive) {
	t.Helper()
	if err := os.MkdirAll("cfg", 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want") {
			continue
		}
		p := filepath.Join("cfg", filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch {
		case fields[0] == "symlink" && len(fields) == 3:
			if err := os.Symlink(fields[2], filepath.Join("cfg", fields[1])); err != nil {
				t.Fatal(err)
			}
		case fields[0] == "big" && len(fields) == 3:
			n, err := strconv.Atoi(fields[2])
			if err != nil {
				t.Fatal(err)
			}
			line := "// " + strings.Repeat("x", 76) + "\n"
			data := bytes.Repeat([]byte(line), n/len(line)+1)[:n]
			if err := os.WriteFile(filepath.Join("cfg", fields[1]), data, 0o644); err != nil {
				t.Fatal(err)
			}
		case fields[0] == "file" && len(fields) >= 2:
			if err := os.WriteFile(fields[1], []byte(strings.Join(fields[2:], " ")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// renderResult prints a load's outcome as golden text: the problems (and
// the name of the section they belong in), or the configuration as JSON.
func renderResult(t *testing.T, res *Result, err error) (string, string) {
	t.Helper()
	var problems Errors
	if errors.As(err, &problems) {
		return renderProblems(problems), "want"
	}
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	b, err := json.MarshalIndent(res.Config, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n", "want.json"
}

// renderProblems prints one problem per line, with the related positions
// in user files below it (schema positions change with the schema).
func renderProblems(problems Errors) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(p.Error() + "\n")
		for _, r := range p.Related {
			if !isSchemaFile(r) {
				fmt.Fprintf(&b, "\trelated: %s\n", r)
			}
		}
	}
	return b.String()
}

func checkGolden(t *testing.T, path string, ar *txtar.Archive, section, got string) {
	t.Helper()
	var want *txtar.File
	for i := range ar.Files {
		if ar.Files[i].Name == "want" || ar.Files[i].Name == "want.json" {
			want = &ar.Files[i]
		}
	}
	if *update {
		if want == nil {
			ar.Files = append(ar.Files, txtar.File{})
			want = &ar.Files[len(ar.Files)-1]
		}
		want.Name, want.Data = section, []byte(got)
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want == nil {
		t.Fatalf("no want section; got %s:\n%s", section, got)
	}
	if want.Name != section {
		t.Fatalf("got %s, want %s:\n%s", section, want.Name, got)
	}
	if section == "want.json" {
		var w, g schema.Config
		decodeConfig(t, want.Data, &w)
		decodeConfig(t, []byte(got), &g)
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("config mismatch (-want +got):\n%s", diff)
		}
		return
	}
	if diff := cmp.Diff(string(want.Data), got); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
}

func decodeConfig(t *testing.T, b []byte, c *schema.Config) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(c); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}
