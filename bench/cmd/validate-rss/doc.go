// Command validate-rss loads and validates one configuration directory in a
// fresh process, the way `ztsync validate` does (loader.New, then
// LoadDir), and prints the time of each step and the process's peak RSS
// (VmHWM), so that run.sh can measure validate alone, without the test
// framework or the generator in the same process.
//
//	go build -o /tmp/validate-rss ./bench/cmd/validate-rss && /usr/bin/time -v /tmp/validate-rss DIR
package main
