package loader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// memBound is the most a refused oversized configuration may allocate in
// all (runtime.MemStats.TotalAlloc growth, garbage included): a memory
// assertion, not a timing one.
const memBound = 200 << 20

// allocated runs f and returns how many bytes it allocated in all.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// wantProblem checks that err is an Errors holding exactly one problem,
// with the given file and message.
func wantProblem(t *testing.T, err error, file, msg string) {
	t.Helper()
	var problems Errors
	if !errors.As(err, &problems) {
		t.Fatalf("LoadDir error = %v (%T), want Errors", err, err)
	}
	if len(problems) != 1 {
		t.Fatalf("got %d problems, want 1:\n%v", len(problems), err)
	}
	if p := problems[0]; p.File != file || p.Msg != msg {
		t.Errorf("problem = %s: %s\nwant      %s: %s", p.File, p.Msg, file, msg)
	}
}

// TestLimitTenMegabyteFile: a 10 MB .cue file of valid configuration is
// refused by its size, before it is read, naming the file and the limit.
func TestLimitTenMegabyteFile(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "cfg")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("package big\n\n")
	for i := 0; b.Len() < 10<<20; i++ {
		fmt.Fprintf(&b, "zones: \"z%07d.example.com\": {id: \"%032x\", organization: {name: \"Zone %d\", is_ui_read_only: true}}\n", i, i, i)
	}
	size := b.Len()
	if err := os.WriteFile(filepath.Join(dir, "big.cue"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.cue"), []byte("package big\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newLoader(t)
	var err error
	n := allocated(func() { _, err = l.LoadDir(dir) })
	wantProblem(t, err, filepath.Join(dir, "big.cue"),
		fmt.Sprintf("file is %d bytes, over the limit of 1 MiB (1048576 bytes) per file", size))
	t.Logf("refusing a %d-byte file allocated %d bytes", size, n)
	if n > memBound {
		t.Errorf("refusing a %d-byte file allocated %d bytes, over %d", size, n, memBound)
	}
}

// TestLimitHundredThousandFiles: 100,000 .cue files are refused with one
// problem naming the directory and the cap, and reading stops at the cap:
// only MaxFiles files' contents are held, nothing is evaluated, and the
// walk ends at the first file over the cap (files further on that would
// each be a problem of their own are not even looked at).
//
// It is about scale (the cap at its real size, memory held while refusing
// it): it skips under -short, which the mutation script may use;
// TestLimitFilesSmall checks the same rule with a cap of three.
func TestLimitHundredThousandFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 files: a test of scale (TestLimitFilesSmall checks the rule)")
	}
	const total = 100000
	made := time.Now()
	root := t.TempDir()
	dir := filepath.Join(root, "cfg")
	// 100 directories of 1,000 files, as a mistaken --dir (a home
	// directory, a monorepo) would have them. In each directory the files
	// are hard links to its first one (ext4 allows 65,000 links to a file),
	// which is an order of magnitude faster to make than separate files
	// and reads the same; where links are not possible, copies.
	data := []byte("package many\n\nzones: \"z.example.com\": id: \"0123456789abcdef0123456789abcdef\"\n")
	for d := range total / 1000 {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", d))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		first := filepath.Join(sub, "f0000.cue")
		if err := os.WriteFile(first, data, 0o644); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 1000; i++ {
			p := filepath.Join(sub, fmt.Sprintf("f%04d.cue", i))
			if err := os.Link(first, p); err != nil {
				if err := os.WriteFile(p, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	// Past the cap, in the last directory: a link out of the
	// configuration and a file over the size limit.
	last := filepath.Join(dir, fmt.Sprintf("d%03d", total/1000-1))
	if err := os.Symlink(filepath.Join(root, "outside.cue"), filepath.Join(last, "zz_link.cue")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(last, "zz_big.cue"), make([]byte, MaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("made %d files in %s", total+2, time.Since(made))
	l := newLoader(t)
	var err error
	start := time.Now()
	n := allocated(func() { _, err = l.LoadDir(dir) })
	took := time.Since(start) // logged, not asserted
	wantProblem(t, err, dir, fmt.Sprintf("more than %d .cue files; ztsync reads at most %d", MaxFiles, MaxFiles))
	t.Logf("refusing %d files allocated %d bytes in %s", total, n, took)
	if n > memBound {
		t.Errorf("refusing %d files allocated %d bytes, over %d", total, n, memBound)
	}

	// What the reader keeps: the first MaxFiles files, no more.
	files, problems, err := readDisk(dir, limits{fileSize: MaxFileSize, files: MaxFiles, totalSize: MaxTotalSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || len(files) != MaxFiles {
		t.Errorf("readDisk kept %d files and %d problems, want %d and 1", len(files), len(problems), MaxFiles)
	}
}

// TestLimitFilesSmall: the cap on the number of files, set to three: five
// files are refused with one problem naming the directory and the cap,
// and only the first three (in walking order) are held.
func TestLimitFilesSmall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.cue", i)), []byte("package p\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, problems, err := readDisk(dir, limits{fileSize: MaxFileSize, files: 3, totalSize: MaxTotalSize})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.rel)
	}
	if strings.Join(names, " ") != "f0.cue f1.cue f2.cue" {
		t.Errorf("held %v, want the first three", names)
	}
	wantProblem(t, problems, dir, "more than 3 .cue files; ztsync reads at most 3")
}
