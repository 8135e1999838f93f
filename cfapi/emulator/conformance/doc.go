// Package conformance checks the emulator against an independent client:
// Cloudflare's official Go SDK (github.com/cloudflare/cloudflare-go/v6,
// zero_trust Organizations and Organizations.DOH). Its test drives every
// endpoint the emulator serves, at account and zone scope, through the SDK
// and checks that the SDK parses every answer: success envelopes, the 201s,
// the revoke answer without errors/messages, and error answers surfacing as
// SDK errors with their status.
//
// It is its own package, with only a test, so that building the SDK (a
// large module) slows only `go test ./cfapi/emulator/conformance`, which
// CI runs as part of `go test ./...`.
package conformance
