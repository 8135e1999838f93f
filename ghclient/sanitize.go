package ghclient

import "github.com/ztsync/ztsync/safetext"

// maxErrorText is how much of an error message from GitHub is kept, after
// scrubbing.
const maxErrorText = 500

// cleanError is an error whose message came from GitHub, made safe to
// print: the token scrubbed, control characters escaped, cut. Unwrap
// keeps errors.As working on the original (for its status code).
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// clean makes err's message safe for a log line, an annotation or a
// comment: the token (raw, JSON-escaped, URL-encoded) is scrubbed before
// anything is cut, the message is one line without control or
// bidirectional characters, and it is cut to maxErrorText.
func (c *Client) clean(err error) error {
	if err == nil {
		return nil
	}
	return &cleanError{msg: c.scrub(err.Error()), err: err}
}

// scrub is clean for a string.
func (c *Client) scrub(s string) string {
	return safetext.Cut(safetext.Line(safetext.NewScrubber(c.token).Scrub(s)), maxErrorText)
}
