package loader

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// Limits on what a configuration may hold. They keep a mistaken --dir (a
// home directory, a checkout of something else) from eating memory.
const (
	// MaxFileSize is the largest .cue file read, in bytes (1 MiB).
	MaxFileSize = 1 << 20
	// MaxFiles is the largest number of .cue files in one configuration.
	MaxFiles = 10000
	// MaxTotalSize is the largest sum of the .cue files' sizes (64 MiB).
	MaxTotalSize = 64 << 20
)

// srcFile is one user .cue file.
type srcFile struct {
	rel  string // slash-separated path relative to the directory
	name string // display name: the directory as given joined with rel
	data []byte
}

// collector gathers the files and the problems found while listing them.
type collector struct {
	dir      string // the directory as the caller gave it
	limits   limits
	files    []srcFile
	total    int64
	problems Errors
	tooMany  bool
	root     *object.Tree // the directory's tree, when reading a git revision
}

type limits struct {
	fileSize  int64
	files     int
	totalSize int64
}

func (c *collector) display(rel string) string {
	return filepath.Join(c.dir, filepath.FromSlash(rel))
}

func (c *collector) problem(rel, format string, args ...any) {
	c.problems = append(c.problems, Error{File: c.display(rel), Msg: fmt.Sprintf(format, args...)})
}

// capped is called when another .cue file is found, before it is opened
// or even statted. It reports whether the cap on the number of files is
// already reached, recording the problem once: the caller then reads
// nothing more and ends the walk.
func (c *collector) capped() bool {
	if len(c.files) < c.limits.files {
		return false
	}
	if !c.tooMany {
		c.tooMany = true
		c.problems = append(c.problems, Error{File: c.dir,
			Msg: fmt.Sprintf("more than %d .cue files; ztsync reads at most %d", c.limits.files, c.limits.files)})
	}
	return true
}

// admit checks the count and size limits for a file of size bytes; it
// records a problem and returns false when the file must not be read.
func (c *collector) admit(rel string, size int64) bool {
	if c.capped() {
		return false
	}
	if size > c.limits.fileSize {
		c.problem(rel, "file is %d bytes, over the limit of %s (%d bytes) per file", size, byteSize(c.limits.fileSize), c.limits.fileSize)
		return false
	}
	if c.total+size > c.limits.totalSize {
		c.problem(rel, "the .cue files add up to more than %s; ztsync reads at most that", byteSize(c.limits.totalSize))
		return false
	}
	return true
}

func (c *collector) add(rel string, data []byte) {
	c.total += int64(len(data))
	c.files = append(c.files, srcFile{rel: rel, name: c.display(rel), data: data})
}

func (c *collector) finish() {
	if len(c.files) == 0 && len(c.problems) == 0 {
		c.problems = append(c.problems, Error{File: c.dir, noFiles: true,
			Msg: "no .cue files here (ztsync reads every .cue file below this directory, except in cue.mod, testdata and dot-directories)"})
	}
}

// skipDir reports whether a directory called name is left out.
func skipDir(name string) bool {
	return name == "cue.mod" || name == "testdata" || strings.HasPrefix(name, ".")
}

func isCUE(name string) bool { return path.Ext(name) == ".cue" }

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// readDisk lists and reads the configuration under dir on disk.
func readDisk(dir string, lim limits) ([]srcFile, Errors, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read configuration: %w", err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("read configuration: %s is not a directory", dir)
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read configuration: %w", err)
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, nil, fmt.Errorf("read configuration: %w", err)
	}
	c := &collector{dir: dir, limits: lim}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read configuration: %w", err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch t := d.Type(); {
		case d.IsDir():
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
		case t&fs.ModeSymlink != 0:
			if isCUE(rel) && c.capped() {
				return filepath.SkipAll
			}
			return c.diskLink(root, p, rel)
		case !isCUE(d.Name()):
		case !t.IsRegular():
			c.problem(rel, "not a regular file")
		default:
			if c.capped() {
				return filepath.SkipAll
			}
			return c.diskFile(p, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	c.finish()
	return c.files, c.problems, nil
}

// diskLink handles a symbolic link found at p.
func (c *collector) diskLink(root, p, rel string) error {
	text, err := os.Readlink(p)
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		// Dangling or looping: judge by the link text as far as it goes.
		to := text
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(p), to)
		}
		if !within(root, to) {
			c.problem(rel, "symbolic link leaves the configuration directory (it points to %s); ztsync reads nothing outside it", text)
		} else if isCUE(rel) {
			c.problem(rel, "symbolic link is broken or loops (it points to %s)", text)
		}
		return nil
	}
	if !within(root, target) {
		c.problem(rel, "symbolic link leaves the configuration directory (it points to %s); ztsync reads nothing outside it", text)
		return nil
	}
	if !isCUE(rel) {
		return nil // a directory (read at its own place) or a file ztsync ignores
	}
	st, err := os.Stat(target)
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	if !st.Mode().IsRegular() {
		c.problem(rel, "symbolic link to something other than a regular file (it points to %s)", text)
		return nil
	}
	return c.diskFile(target, rel)
}

func (c *collector) diskFile(p, rel string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	if !c.admit(rel, st.Size()) {
		return nil
	}
	// Read at most one byte more than the limit: the file may grow.
	data, err := io.ReadAll(io.LimitReader(f, c.limits.fileSize+1))
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	if int64(len(data)) > c.limits.fileSize {
		c.problem(rel, "file is over the limit of %s (%d bytes) per file", byteSize(c.limits.fileSize), c.limits.fileSize)
		return nil
	}
	c.add(rel, data)
	return nil
}

// within reports whether p is root or below it (both absolute and clean).
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
