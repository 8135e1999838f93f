package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ztsync/ztsync/ghaction"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/pipeline"
)

// runValidate checks the configuration offline: exit 0 and a one-line
// summary when it is valid, exit 3 and every problem when it is not.
func runValidate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "validate", "validate [--dir DIR] [--format text|json|github]",
		"ztsync validate --dir examples/quickstart")
	dir := fs.String("dir", ".", "configuration `directory` (every .cue file below it)")
	format := fs.String("format", "text", "output `format`: text (problems on stderr), json or github (on stdout)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "github":
	default:
		return usageErrorf("unknown --format %q; use text, json or github", *format)
	}
	if err := pipeline.CheckDir(*dir); err != nil {
		return err
	}
	l, err := loader.New(loader.WithContext(ctx))
	if err != nil {
		return err
	}
	res, err := l.LoadDir(*dir)
	var problems loader.Errors
	if errors.As(err, &problems) {
		switch *format {
		case "json":
			err = writeProblemsJSON(e.stdout, problems)
		case "github":
			ghaction.WriteAnnotations(e.stdout, problems)
		default:
			err = pipeline.WriteProblemsText(e.stderr, problems)
		}
		if err != nil {
			return err
		}
		return pipeline.InvalidReported(len(problems))
	}
	if err != nil {
		return err
	}
	summary := validSummary(res)
	switch *format {
	case "json":
		if err := writeProblemsJSON(e.stdout, nil); err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, summary)
	default:
		fmt.Fprintln(e.stdout, summary)
	}
	return nil
}

func validSummary(res *loader.Result) string {
	return fmt.Sprintf("valid: %s, %s in %s",
		pipeline.Plural(len(res.Config.Accounts), "account"),
		pipeline.Plural(len(res.Config.Zones), "zone"),
		pipeline.Plural(len(res.Files), "file"))
}

// jsonProblem is one problem in --format json: a stable shape.
type jsonProblem struct {
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Col     int      `json:"col"`
	Path    string   `json:"path"`
	Message string   `json:"message"`
	Related []string `json:"related,omitempty"`
}

// writeProblemsJSON prints the problems as a JSON array ([] when none).
func writeProblemsJSON(w io.Writer, problems loader.Errors) error {
	out := make([]jsonProblem, 0, len(problems))
	for _, p := range problems {
		out = append(out, jsonProblem{File: p.File, Line: p.Line, Col: p.Col, Path: p.Path, Message: p.Msg, Related: p.Related})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
