package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCommentsPointIntoTheRepository: a Go comment, a document (*.md) or
// a test case's text (testdata) that points its reader at a document points
// at one in the repository (docs/), never at design notes that live
// elsewhere.
func TestCommentsPointIntoTheRepository(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	docRef := regexp.MustCompile(`docs/[A-Za-z0-9._-]+\.(md|json)`)
	outside := regexp.MustCompile(`\b(DESIGN|STYLE|LIBRARIES|cloudflare-api|api-fidelity|mutation)\.md\b`)
	refs := 0
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		ext := filepath.Ext(p)
		if d.IsDir() || (ext != ".go" && ext != ".md" && ext != ".txtar" && ext != ".cue") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		for i, line := range strings.Split(string(b), "\n") {
			comment := line
			if ext == ".go" {
				var ok bool
				if _, comment, ok = strings.Cut(line, "//"); !ok || strings.Contains(line, "regexp.MustCompile") {
					continue // only comments; not this test's own patterns
				}
			}
			if m := outside.FindString(comment); m != "" {
				t.Errorf("%s:%d: points at %s, which is not in the repository; point at docs/", rel, i+1, m)
			}
			for _, ref := range docRef.FindAllString(comment, -1) {
				refs++
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(ref))); err != nil {
					t.Errorf("%s:%d: points at %s, which does not exist", rel, i+1, ref)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if refs < 20 {
		t.Fatalf("found only %d references to docs/: the check is not looking", refs)
	}
}
