package loader

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/loader/internal/gentree"
)

// The benchmark's configuration: DESIGN.md §9 asks for 10,000 scopes.
const (
	benchAccounts = 2000
	benchZones    = 8000
	benchFiles    = 1000
)

var benchTree = flag.String("benchtree", "", "write the benchmark's tree (and a copy of the schema for cue vet) to this directory and exit the test")

func writeTree(tb testing.TB, dir string) {
	tb.Helper()
	for name, data := range gentree.Tree(benchAccounts, benchZones, benchFiles) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkValidate loads, validates and decodes 10,000 scopes (2,000
// accounts, 8,000 zones) in 1,000 files from disk.
func BenchmarkValidate(b *testing.B) {
	dir := b.TempDir()
	writeTree(b, dir)
	l := newLoader(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		res, err := l.LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Config.Accounts) != benchAccounts || len(res.Config.Zones) != benchZones {
			b.Fatalf("loaded %d accounts, %d zones", len(res.Config.Accounts), len(res.Config.Zones))
		}
	}
}

// TestWriteBenchTree writes the benchmark tree for a comparison with
// `cue vet`: go test ./loader -run TestWriteBenchTree -benchtree DIR.
// The schema is copied in as part of the package, with #Config embedded
// in a file of its own, so `cue vet -c DIR` checks what ztsync checks.
func TestWriteBenchTree(t *testing.T) {
	if *benchTree == "" {
		t.Skip("-benchtree not set")
	}
	if err := os.MkdirAll(*benchTree, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTree(t, *benchTree)
	b, err := os.ReadFile(filepath.Join("..", "schema", "schema.cue"))
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "\npackage schema\n", "\npackage "+gentree.Package+"\n", 1)
	if err := os.WriteFile(filepath.Join(*benchTree, "zz_schema.cue"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	check := "package " + gentree.Package + "\n\n#Config\n"
	if err := os.WriteFile(filepath.Join(*benchTree, "zz_check.cue"), []byte(check), 0o644); err != nil {
		t.Fatal(err)
	}
}
