// Package safetext is the one place where text from outside (API answers,
// file names, configuration values, errors) is made safe to print, and
// where secrets are scrubbed from what is printed.
//
// Line and Lines escape control and bidirectional formatting characters,
// so no text can forge an output line, a terminal escape or a GitHub
// workflow command (::error …); Cut shortens text. A Scrubber replaces
// every credential in raw, JSON-escaped and URL-encoded forms; scrub
// before cutting, so that a cut never leaves a credential's first
// characters behind. RedactURL hides a URL's user info and query.
package safetext
