// Command firstreq runs a command against a local HTTP server and prints
// how long the command ran until its first request reached the server (it
// is then stopped), or until it exited if it made none. run.sh uses it to
// compare `ztsync plan` up to its first API request with `ztsync
// validate` on the same tree, in fresh processes started the same way.
//
//	firstreq -- ztsync plan --dir DIR
//
// The command gets CLOUDFLARE_BASE_URL pointing at the server and a dummy
// CLOUDFLARE_API_TOKEN. Output: one line "seconds=S cpu=C
// requested=true|false exit=N", C being the command's user+system CPU
// seconds (up to the first request, give or take the kill).
package main
