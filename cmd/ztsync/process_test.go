package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ztsync/ztsync/pipeline"
	"github.com/ztsync/ztsync/schema"
)

// The process tests run this test binary again as ztsync itself
// (ZTSYNC_TEST_MAIN: main() with the arguments after "--"), or as a
// process that crashes the way the runtime crashes (ZTSYNC_TEST_CRASH).
func TestMain(m *testing.M) {
	switch {
	case os.Getenv("ZTSYNC_TEST_CRASH") != "":
		hardenProcess()
		done := make(chan struct{})
		go func() { panic("a panic no one recovers") }()
		<-done
	case os.Getenv("ZTSYNC_TEST_MAIN") != "":
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{"ztsync"}, os.Args[i+1:]...)
				break
			}
		}
		main()
	}
	os.Exit(m.Run())
}

// ztsyncProcess starts ztsync as a process with env added.
func ztsyncProcess(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), "ZTSYNC_TEST_MAIN=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// exitCode waits for cmd and returns its exit code (-1 when a signal
// ended it), failing the test when it runs longer than a minute.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode()
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("ztsync did not stop")
		return 0
	}
}

// TestCrashIsNotADocumentedCode: a panic in another goroutine (or any
// fatal runtime error) must not exit 2, which plan --detailed-exitcode
// gives to "the plan has changes", nor any other documented code.
func TestCrashIsNotADocumentedCode(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("aborting is how a crash ends on Unix")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZTSYNC_TEST_CRASH=1", "GOTRACEBACK=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want the process to fail", err)
	}
	ws, _ := ee.Sys().(syscall.WaitStatus)
	switch code := ee.ExitCode(); {
	case code >= 0 && code <= 4:
		t.Errorf("a crash exited %d, a documented code", code)
	case !ws.Signaled() || ws.Signal() != syscall.SIGABRT:
		t.Errorf("a crash ended with %v, want SIGABRT", ws)
	}
	if !strings.Contains(stderr.String(), "a panic no one recovers") {
		t.Errorf("stderr does not show the panic:\n%s", stderr.String())
	}
}

// TestPanicInCommandIsExit1: a panic in the command is recovered: exit 1,
// said to be a bug.
func TestPanicInCommandIsExit1(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	e := &env{stderr: &stderr, getenv: func(string) string { return "" }}
	err := runRecovered(t.Context(), e, func(context.Context, *env, []string) error {
		var m map[string]int
		//lint:ignore SA5000 the panic is what this test is about
		m["x"] = 1 // panics: assignment to entry in nil map
		return nil
	}, nil)
	if code := pipeline.Code(err); code != ExitError {
		t.Errorf("exit %d, want 1", code)
	}
	if err == nil || !strings.Contains(err.Error(), "internal error (a bug in ztsync") || !strings.Contains(err.Error(), "nil map") {
		t.Errorf("err = %v", err)
	}
}

// TestSignalStopsPlan: SIGTERM stops a plan that waits on the API (here a
// server that never answers) at once: exit 1, nothing written.
func TestSignalStopsPlan(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	var got atomic.Int32
	hang := make(chan struct{})
	defer close(hang)
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		<-hang
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go slow.Serve(ln)
	defer slow.Close()
	cmd, _, stderr := ztsyncProcess(t, []string{"CLOUDFLARE_API_TOKEN=" + hostileToken, "CLOUDFLARE_BASE_URL=http://" + ln.Addr().String()},
		"plan", "--dir", "../../examples/quickstart")
	waitFor(t, func() bool { return got.Load() > 0 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd); code != ExitError {
		t.Errorf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", stderr)
	}
}

// TestSignalStopsApplyAfterTheWriteInFlight: SIGTERM during a PUT lets it
// finish and be reported; nothing more is written.
func TestSignalStopsApplyAfterTheWriteInFlight(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	h := newHostile(t)
	plan := h.planFile()
	h.srv.SetLatency(300 * time.Millisecond)
	cmd, stdout, stderr := ztsyncProcess(t, []string{"CLOUDFLARE_API_TOKEN=" + hostileToken, "CLOUDFLARE_BASE_URL=" + h.srv.URL}, "apply", plan)
	h.mark = 0
	waitFor(t, func() bool {
		for _, r := range h.srv.Requests() {
			if r.Method == http.MethodPut {
				return true
			}
		}
		return false
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := exitCode(t, cmd)
	out := stdout.String() + stderr.String()
	if code != ExitError {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, s := range []string{
		"stopping after the request in flight",
		"account/prod/organization: applied",
		"Apply interrupted: 1 applied",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if n := h.writes(); n != 1 {
		t.Errorf("%d writes, want 1 (the one in flight)", n)
	}
	org, _ := h.srv.Organization(schema.KindAccount, applyProdID)
	if org["session_duration"] != "12h" {
		t.Errorf("the write in flight was not finished: %v", org["session_duration"])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
