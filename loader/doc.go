// Package loader reads a ztsync configuration: every .cue file under a
// directory (or the same tree at a git revision, read through go-git
// without a checkout), unified into one CUE value, unified with the
// embedded, closed schema.#Config, validated and decoded into a
// schema.Config.
//
// Rules (docs/configuration.md):
//
//   - Files: every .cue file under the directory, recursively, skipping
//     cue.mod, testdata and directories whose name starts with a dot.
//     Files may omit the package clause; those that have one must share one
//     name. All files form one package, whatever sub-directory they are in.
//   - Hermetic: the files are loaded from an in-memory CUE module that holds
//     only them and the schema, with CUE_REGISTRY=none. Imports are limited
//     to "github.com/ztsync/ztsync/schema" and CUE's standard library minus
//     tool/* (which is for `cue cmd`). The attributes @extern, @embed, @tag
//     and @if are refused: nothing is read or injected from outside the files.
//   - Symbolic links: a link whose target leaves the directory is refused.
//     A link named *.cue whose target is a regular file inside the directory
//     is read like the target. A link to a directory inside it is not
//     followed (the directory is read at its own place, unless skipped).
//   - Limits: MaxFileSize per file, MaxFiles files, MaxTotalSize in all
//     (the package constants); syntax nested at most MaxDepth deep;
//     evaluation adds at most MaxMemory to the heap and
//     stops when the context given with WithContext ends. CUE cannot be
//     interrupted: a stopped evaluation runs on in the background, so a
//     process that stops a load should exit soon after.
//
// A valid configuration is recognized without unifying it with #Config:
// the user's value is evaluated on its own and judged, account by account
// and zone by zone, by the schema's rules written in Go (which tests hold
// to the schema, value by value and by differential fuzzing). Only the
// scopes those rules do not accept are unified with the schema's #Account
// or #Zone, which decides and explains; so the schema stays the source of
// truth and every message comes from it (scopes.go, fast.go). A
// configuration whose own values conflict or are incomplete is unified
// with #Config whole.
//
// A large configuration (more than about 2,000 scopes) is evaluated in
// batches, when none of its expressions can see the set of scopes: each
// batch holds every declaration that is not a scope's and some scopes'
// declarations, so that no struct of tens of thousands of fields (which
// CUE handles in time quadratic in their number) is built. The batches are
// judged like the whole value; what they cannot settle is evaluated whole
// (batch.go).
//
// Problems in the configuration come back as Errors: every problem found,
// each positioned FILE:LINE:COL in a user file (schema positions only in
// Related), sorted by file, line and column. FILE is the directory argument
// as the caller gave it joined with the file's path inside it, so a relative
// directory gives paths relative to the process's current directory. Any
// other failure (I/O, git) is an ordinary error.
//
// The loader does not touch the network and does not read outside the
// directory, except the repository's object store for LoadRevision and
// GitInfo.
package loader
