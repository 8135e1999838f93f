package loader

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// FuzzLoad feeds arbitrary text to the loader as one or two files (split
// at a line "-- b.cue --"). It must never panic, and every problem must
// name one of the files or none.
func FuzzLoad(f *testing.F) {
	addGoldenSeeds(f)
	f.Add("")
	f.Add("package x\n")
	f.Add("accounts: [string]: id: \"699d98642c564d2e855e9661899b7252\"\naccounts: a: _\n")
	f.Add("a: b\nb: a\n")
	f.Add("accounts: a: {id: \"699d98642c564d2e855e9661899b7252\", organization: x: x}\n")
	f.Add("import \"github.com/ztsync/ztsync/schema\"\nschema.#Config & {zones: z: schema.#Zone}\n")
	var l *Loader
	n := 0
	f.Fuzz(func(t *testing.T, src string) {
		// A CUE context keeps what it has built: a fresh Loader now and
		// then keeps a long run from slowing down.
		if n%100 == 0 {
			l = newLoader(t)
		}
		n++
		files := fuzzFiles(src)
		res, err := l.load(files)
		var problems Errors
		switch {
		case errors.As(err, &problems):
			if len(problems) == 0 {
				t.Fatal("empty Errors")
			}
			for _, p := range problems {
				if p.Msg == "" {
					t.Errorf("problem without a message: %+v", p)
				}
				if p.File != "" && p.File != files[0].name && (len(files) < 2 || p.File != files[1].name) {
					t.Errorf("problem in a file that is not the user's: %+v", p)
				}
			}
		case err != nil:
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("CUE panicked: %v", err)
			}
		case res == nil || res.Config == nil:
			t.Fatal("nil result without error")
		}
	})
}

// addGoldenSeeds seeds a fuzz target with the first two .cue files of every
// golden case, joined at a line "-- b.cue --" as FuzzLoad splits them.
func addGoldenSeeds(f *testing.F) {
	cases, _ := filepath.Glob("testdata/load/*.txtar")
	for _, c := range cases {
		ar, err := txtar.ParseFile(c)
		if err != nil {
			f.Fatal(err)
		}
		var parts []string
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".cue") && len(parts) < 2 {
				parts = append(parts, string(file.Data))
			}
		}
		f.Add(strings.Join(parts, "\n-- b.cue --\n"))
	}
}
