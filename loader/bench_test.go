package loader

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ztsync/ztsync/bench/gentree"
)

// The benchmark's configuration: the benchmarks (bench/) go to 10,000 scopes.
const (
	benchAccounts = 2000
	benchZones    = 8000
	benchFiles    = 1000
)

func writeTree(tb testing.TB, dir string) {
	tb.Helper()
	for name, data := range (gentree.Fleet{Accounts: benchAccounts, Zones: benchZones, Files: benchFiles}).Tree() {
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
