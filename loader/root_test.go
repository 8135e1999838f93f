package loader

import (
	"errors"
	"strings"
	"testing"
)

// TestRepositoryRoot: run from this repository's root (the CLI's default
// --dir .), the loader says the directory holds several configurations
// and names the example directories, instead of a package clash in one
// file.
func TestRepositoryRoot(t *testing.T) {
	t.Parallel()
	_, err := newLoader(t).LoadDir("..")
	var problems Errors
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("LoadDir(repository root) = %v, want one problem", err)
	}
	p := problems[0]
	for _, want := range []string{"more than one configuration", "examples/multi-account (package ztsync)", "schema (package schema)", "--dir ../examples/"} {
		if !strings.Contains(p.Msg, want) {
			t.Errorf("problem %q does not say %q", p.Error(), want)
		}
	}
	if p.File != ".." {
		t.Errorf("problem is in %q, want the directory itself", p.File)
	}
}
