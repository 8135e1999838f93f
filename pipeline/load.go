package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/safetext"
)

// CheckDir refuses a --dir that cannot be a configuration directory: a
// usage error (exit 3), not a runtime one.
func CheckDir(dir string) error {
	if dir == "" {
		return Usagef("--dir is empty; give the configuration directory (default .)")
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Usagef("--dir %s does not exist", dir)
	case err != nil:
		return fmt.Errorf("--dir %s: %w", dir, err)
	case !st.IsDir():
		return Usagef("--dir %s is not a directory; give the directory that holds the .cue files", dir)
	}
	return nil
}

// Load loads the configuration in dir for a command that needs it (plan,
// apply); cancelling ctx ends the load. An invalid configuration is printed as text on log and comes
// back as an exit-3 *Reported.
func Load(ctx context.Context, log io.Writer, dir string) (*loader.Result, error) {
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	l, err := loader.New(loader.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	res, err := l.LoadDir(dir)
	var problems loader.Errors
	if errors.As(err, &problems) {
		if err := WriteProblemsText(log, problems); err != nil {
			return nil, err
		}
		return nil, InvalidReported(len(problems))
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// WriteProblemsText prints one problem per line, then a count.
func WriteProblemsText(w io.Writer, problems loader.Errors) error {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(safetext.Line(p.Error())) // one line per problem, whatever a file is called
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "invalid: %s\n", Plural(len(problems), "problem"))
	_, err := io.WriteString(w, b.String())
	return err
}

// Plural is "1 word" or "N words".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
