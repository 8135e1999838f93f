// Package schema is the leaf of ztsync: the embedded CUE schema users write
// their configuration against, the Go types the loaded configuration decodes
// into, the Scope value that names one account or zone, and the table of
// which organization fields each scope may write.
//
// The CUE schema (schema.cue) is also importable by users as
// "github.com/ztsync/ztsync/schema" for its definitions (#Config,
// #AccountOrganization, #Duration, ...). The loader unifies every
// configuration with #Config whether or not the user imports it.
//
// schema does no I/O and imports only the standard library and CUE.
package schema
