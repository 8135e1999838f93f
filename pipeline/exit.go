package pipeline

import (
	"errors"
	"fmt"
)

// Exit codes, the same for every command and the Action (DESIGN.md §6).
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

// ErrSilent is returned by a step that has already printed its error (for
// example the list of configuration problems) and only needs its code.
var ErrSilent = errors.New("")

// Code is the exit code for err: ExitOK for nil, the code of a
// *CodedError in its chain, else ExitError.
func Code(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *CodedError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitError
}
