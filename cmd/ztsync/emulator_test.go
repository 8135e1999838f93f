package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// emuBuffer is a bytes.Buffer safe for the server's concurrent writes.
type emuBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *emuBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *emuBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const emuAccount = "0123456789abcdef0123456789abcdef"

func emuEnv(stderr io.Writer) *env {
	return &env{
		stdin:  strings.NewReader(""),
		stdout: io.Discard,
		stderr: stderr,
		getenv: func(string) string { return "" },
	}
}

// startEmulator runs `ztsync emulator args...` until the returned cancel is
// called; it returns the base URL the command printed and a function that
// stops the command and returns its exit code.
func startEmulator(t *testing.T, stderr *emuBuffer, args ...string) (base string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"emulator"}, args...), emuEnv(stderr)) }()
	for {
		out := stderr.String()
		if _, rest, ok := strings.Cut(out, "listening on "); ok {
			if line, _, ok := strings.Cut(rest, "\n"); ok {
				base = line
				break
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("emulator exited with %d before listening:\n%s", code, out)
		case <-time.After(time.Millisecond):
		}
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			code = <-done
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

func emuDo(t *testing.T, method, url, auth, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestEmulatorCommand(t *testing.T) {
	t.Parallel()
	const token = "tok-SECRET-emulator-cmd"
	state := filepath.Join(t.TempDir(), "live.json")
	initial := `{"accounts": {"` + emuAccount + `": {"organization": {"name": "Before", "auth_domain": "a.cloudflareaccess.com"}}}}`
	writeFile(t, state, initial)
	var stderr emuBuffer
	base, stop := startEmulator(t, &stderr, "--addr", "127.0.0.1:0", "--state", state, "--token", token)
	if !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, "/client/v4") {
		t.Fatalf("base URL %q", base)
	}
	org := base + "/accounts/" + emuAccount + "/access/organizations"

	if got := emuDo(t, "GET", org, token, ""); got != 200 {
		t.Errorf("GET with the token: %d, want 200 (state not loaded?)", got)
	}
	if got := emuDo(t, "GET", org, "wrong", ""); got != 403 {
		t.Errorf("GET with another token: %d, want 403", got)
	}
	if got := emuDo(t, "PUT", org, token, `{"name": "After", "auth_domain": "a.cloudflareaccess.com"}`); got != 200 {
		t.Errorf("PUT: %d, want 200", got)
	}
	// The state file is written after every change, before the answer.
	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"name": "After"`) {
		t.Errorf("state file after PUT:\n%s", data)
	}

	if code := stop(); code != ExitOK {
		t.Errorf("exit code %d after cancel, want %d", code, ExitOK)
	}
	log := stderr.String()
	for _, want := range []string{
		"method=GET path=/client/v4/accounts/" + emuAccount + "/access/organizations status=200",
		"method=GET path=/client/v4/accounts/" + emuAccount + "/access/organizations status=403",
		"method=PUT path=/client/v4/accounts/" + emuAccount + "/access/organizations status=200",
		"stopped",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("stderr lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "exit 0") {
		t.Errorf("stderr has an exit line on success:\n%s", log)
	}
	if strings.Contains(log, token) {
		t.Errorf("stderr contains the token:\n%s", log)
	}
	if _, err := http.Get(org); err == nil {
		t.Errorf("the server still answers after the command stopped")
	}
}

func TestEmulatorCommandAnyCredentials(t *testing.T) {
	t.Parallel()
	var stderr emuBuffer
	state := filepath.Join(t.TempDir(), "new.json")
	base, stop := startEmulator(t, &stderr, "--addr", "127.0.0.1:0", "--state", state)
	org := base + "/accounts/" + emuAccount + "/access/organizations"
	if got := emuDo(t, "GET", org, "", ""); got != 403 {
		t.Errorf("GET without credentials: %d, want 403", got)
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("state file written without a change")
	}
	if got := emuDo(t, "POST", org, "anything", `{"name": "N", "auth_domain": "n.cloudflareaccess.com"}`); got != 201 {
		t.Errorf("POST with any token: %d, want 201", got)
	}
	if _, err := os.Stat(state); err != nil {
		t.Errorf("state file not written after POST: %v", err)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("exit code %d", code)
	}
}

func TestEmulatorCommandErrors(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.json")
	writeFile(t, bad, `{"accounts": {"acme": {}}}`)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"extra argument", []string{"emulator", "x"}, ExitInvalid, `unexpected argument "x"`},
		{"unknown flag", []string{"emulator", "--port", "1"}, ExitInvalid, "unknown flag --port"},
		{"bad state file", []string{"emulator", "--addr", "127.0.0.1:0", "--state", bad}, ExitInvalid, `account id "acme" is not 32 lowercase hex characters`},
		{"bad address", []string{"emulator", "--addr", "127.0.0.1:99999"}, ExitError, "ztsync emulator: listen:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr emuBuffer
			code := run(t.Context(), tt.args, emuEnv(&stderr))
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
		})
	}
}
