package loader

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in the configuration, positioned in a user file.
type Error struct {
	// File is the file the problem is in, as DIR/REL with DIR as the caller
	// gave it; the directory itself for problems that belong to no file;
	// empty when no position is known.
	File string `json:"file"`
	// Line and Col are 1-based; 0 when the problem concerns the whole file.
	Line int `json:"line"`
	Col  int `json:"col"`
	// Path is the CUE path of the value in question, e.g.
	// accounts.prod.organization.session_duration, or empty.
	Path string `json:"path"`
	// Msg says what is wrong and, where it can, what to write instead.
	Msg string `json:"message"`
	// Related are further positions as FILE:LINE:COL: the other side of a
	// conflict, then positions in the embedded schema.
	Related []string `json:"related,omitempty"`

	noFiles bool // the "no .cue files" problem, for errors.Is(ErrNoFiles)
}

// ErrNoFiles matches (with errors.Is) an Errors that says the directory
// holds no .cue files. A caller comparing against an older revision where
// the directory was empty may treat that as an empty configuration.
var ErrNoFiles = errors.New("no .cue files")

// Position returns FILE:LINE:COL, FILE:LINE or FILE, as much as is known.
func (e Error) Position() string {
	switch {
	case e.File == "":
		return ""
	case e.Line == 0:
		return e.File
	case e.Col == 0:
		return fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
}

// Error formats the problem as FILE:LINE:COL: PATH: MESSAGE, leaving out
// the parts that are not known.
func (e Error) Error() string {
	var b strings.Builder
	if p := e.Position(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is the list of every problem found in a configuration, sorted by
// file, line and column. It is returned as the error of a load.
type Errors []Error

// Error returns the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Is reports whether target is ErrNoFiles and the list says that the
// directory holds no .cue files.
func (es Errors) Is(target error) bool {
	if target != ErrNoFiles {
		return false
	}
	for _, e := range es {
		if e.noFiles {
			return true
		}
	}
	return false
}

// sortErrors sorts by file, line, column, path and message and drops exact
// duplicates.
func sortErrors(es Errors) Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	out := es[:0]
	for i, e := range es {
		if i > 0 {
			p := out[len(out)-1]
			if p.File == e.File && p.Line == e.Line && p.Col == e.Col && p.Path == e.Path && p.Msg == e.Msg {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}
