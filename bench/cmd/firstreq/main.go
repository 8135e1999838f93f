package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"
)

func main() {
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: firstreq -- COMMAND [ARG]...")
		os.Exit(3)
	}
	os.Exit(run(flag.Args()))
}

func run(args []string) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstreq:", err)
		return 1
	}
	first := make(chan time.Time, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case first <- time.Now():
		default:
		}
		http.Error(w, `{"success":false,"errors":[{"code":10000,"message":"firstreq answers nothing"}]}`, http.StatusServiceUnavailable)
	})}
	go srv.Serve(ln) //nolint:errcheck // closed below
	defer srv.Close()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "CLOUDFLARE_BASE_URL=http://"+ln.Addr().String(), "CLOUDFLARE_API_TOKEN=firstreq-dummy-token")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "firstreq:", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case t := <-first:
		_ = cmd.Process.Kill()
		<-done
		fmt.Printf("seconds=%.3f cpu=%.3f requested=true exit=-1\n", t.Sub(start).Seconds(), cpu(cmd))
	case err := <-done:
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "firstreq:", err)
			return 1
		}
		fmt.Printf("seconds=%.3f cpu=%.3f requested=false exit=%d\n", time.Since(start).Seconds(), cpu(cmd), code)
	}
	return 0
}

// cpu is the user and system CPU time the finished command used, in
// seconds: steadier than wall time on a busy machine.
func cpu(cmd *exec.Cmd) float64 {
	return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
}
