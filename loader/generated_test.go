package loader

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/bench/gentree"
)

// fleetFiles returns a generated tree as the loader's input, under "cfg".
func fleetFiles(f gentree.Fleet) []srcFile {
	tree := f.Tree()
	var files []srcFile
	for _, name := range slices.Sorted(maps.Keys(tree)) {
		files = append(files, srcFile{rel: name, name: filepath.Join("cfg", name), data: tree[name]})
	}
	return files
}

// TestGeneratedTrees: plain and templated trees declare the same
// configuration, Config; a tree with broken scopes is refused with exactly
// one problem per broken value, at its FILE:LINE:COL and path. The fast
// and full paths agree on all of them.
func TestGeneratedTrees(t *testing.T) {
	t.Parallel()
	for _, templated := range []bool{false, true} {
		for _, invalid := range []int{0, 1, 3} {
			f := gentree.Fleet{Accounts: 12, Zones: 30, Files: 5, Templated: templated, Invalid: invalid}
			t.Run(fmt.Sprintf("templated=%t/invalid=%d", templated, invalid), func(t *testing.T) {
				t.Parallel()
				l := newLoader(t)
				files := fleetFiles(f)
				agree(t, l, files)
				res, err := l.load(files)
				if invalid == 0 {
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(f.Config(), res.Config); diff != "" {
						t.Fatalf("loaded config differs (-want +got):\n%s", diff)
					}
					return
				}
				if n := checkFaults(t, err, f); n != invalid {
					t.Fatalf("generator broke %d values, want %d", n, invalid)
				}
			})
		}
	}
}

// checkFaults requires err to be the problems of the values f broke, each
// at its FILE:LINE:COL (files under "cfg"), and returns how many f broke.
func checkFaults(t *testing.T, err error, f gentree.Fleet) int {
	t.Helper()
	var problems Errors
	if !errors.As(err, &problems) {
		t.Fatalf("load = %v, want problems", err)
	}
	var got, want []string
	for _, p := range problems {
		got = append(got, p.Position()+" "+p.Path)
	}
	for _, fault := range f.Faults() {
		want = append(want, fault.Position("cfg")+" "+fault.Path)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s\n%v", diff, problems)
	}
	return len(want)
}
