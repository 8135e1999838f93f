package pipeline

import (
	"errors"
	"fmt"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
)

// Exit codes, the same for every command and the Action (docs/cli.md).
const (
	// ExitOK is success; for plan, no changes.
	ExitOK = 0
	// ExitError is a runtime, API or authentication error.
	ExitError = 1
	// ExitChanges means the plan has changes (only with --detailed-exitcode).
	ExitChanges = 2
	// ExitInvalid is an invalid configuration or bad usage.
	ExitInvalid = 3
	// ExitRefused is a refusal for safety: stale plan, mass-change guard,
	// plan that differs from the reviewed one.
	ExitRefused = 4
)

// CodedError carries an exit code other than ExitError with an error.
type CodedError struct {
	// Code is the process's exit code.
	Code int
	// Err is what happened.
	Err error
}

func (e *CodedError) Error() string { return e.Err.Error() }
func (e *CodedError) Unwrap() error { return e.Err }

// WithCode wraps err so that the process exits with code; nil stays nil.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &CodedError{Code: code, Err: err}
}

// Usagef is a bad flag, argument or input: exit 3.
func Usagef(format string, args ...any) error {
	return WithCode(ExitInvalid, fmt.Errorf(format, args...))
}

// Reported ends a command whose outcome it has already written in full
// (the list of configuration problems; a plan with changes under
// --detailed-exitcode): the caller prints no more than the exit code.
// Its message is a one-line summary for callers that log errors anyway.
type Reported struct {
	// Code is the process's exit code.
	Code int
	// Summary is what the written output said, in a line.
	Summary string
}

func (e *Reported) Error() string { return e.Summary }

// InvalidReported is the Reported of a configuration whose problems (n of
// them) were written: exit 3.
func InvalidReported(n int) error {
	return &Reported{Code: ExitInvalid, Summary: fmt.Sprintf("the configuration is invalid: %s, listed above", Plural(n, "problem"))}
}

// ChangesReported is the Reported of a plan with changes under
// --detailed-exitcode: exit 2.
func ChangesReported() error {
	return &Reported{Code: ExitChanges, Summary: "the plan has changes"}
}

// Code is the exit code for err, from its type: ExitOK for nil; the code
// of a *Reported or *CodedError in its chain; ExitInvalid for a problem of
// the configuration (*planner.ConfigError, loader.Errors); ExitRefused for
// a refusal for safety (*applier.GuardError, *applier.StaleError,
// *applier.AppliedError); else ExitError.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var rep *Reported
	var ee *CodedError
	var ce *planner.ConfigError
	var problems loader.Errors
	var ge *applier.GuardError
	var se *applier.StaleError
	var ae *applier.AppliedError
	switch {
	case errors.As(err, &rep):
		return rep.Code
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ce), errors.As(err, &problems):
		return ExitInvalid
	case errors.As(err, &ge), errors.As(err, &se), errors.As(err, &ae):
		return ExitRefused
	}
	return ExitError
}
