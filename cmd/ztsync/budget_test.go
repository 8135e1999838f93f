package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ztsync/ztsync/cfapi/emulator"
)

var budgetEnv = map[string]string{"CLOUDFLARE_API_TOKEN": "right-token"}

// TestPlanLongRetryAfterFailsAtOnce (issue 16 item 10): a 429 asking for
// an hour gives up at once with a message that says why and for how
// long, instead of silent retries.
func TestPlanLongRetryAfterFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv, args := planServer(t, emulator.Options{})
	srv.InjectFault(emulator.Fault{Kind: emulator.RateLimit, RetryAfter: "3600", Count: 100})
	start := time.Now()
	code, _, stderr := runCLI(t, budgetEnv, append(args, "--concurrency", "1")...)
	if code != ExitError {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{"429", "1h0m0s", "Retry-After", "30s timeout"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: no retry into the block", n)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("gave up after %s, not at once", d)
	}
}

// TestPlanOverEmulatorBudget: a budget of 1 request per 4 s makes the
// second read wait about 4 s, shown on stderr with its reason; the
// emulator enforcing Cloudflare's limit answers no 429.
func TestPlanOverEmulatorBudget(t *testing.T) {
	t.Parallel()
	srv, args := planServer(t, emulator.Options{Limit: emulator.Limit{Requests: 1200, Window: 5 * time.Minute}})
	code, stdout, stderr := runCLI(t, budgetEnv, append(args, "--api-budget", "1/4s", "--concurrency", "4", "--target", "account/prod")...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "1 to update") {
		t.Errorf("plan output:\n%s", stdout)
	}
	if !strings.Contains(stderr, "for the API budget: 1 requests in the last 4s (budget 1/4s)") {
		t.Errorf("stderr does not show the budget wait:\n%s", stderr)
	}
	if n := srv.Throttled(); n != 0 {
		t.Errorf("%d 429s", n)
	}
}

func TestAPIBudgetFlag(t *testing.T) {
	t.Parallel()
	dir, state := planFixture(t, planConfig, planState)
	for _, bad := range []string{"1000", "0/5m", "1000/1ms", "lots"} {
		code, _, stderr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", state, "--api-budget", bad)
		if code != ExitInvalid || !strings.Contains(stderr, "api-budget") || !strings.Contains(stderr, `budget "`+bad+`"`) {
			t.Errorf("--api-budget %q: exit %d\n%s", bad, code, stderr)
		}
	}
	for _, good := range []string{"1000/5m", "none", "1200/5m"} {
		if code, _, stderr := runCLI(t, nil, "plan", "--dir", dir, "--emulator", state, "--api-budget", good); code != ExitOK {
			t.Errorf("--api-budget %q: exit %d\n%s", good, code, stderr)
		}
	}
	code, _, stderr := runCLI(t, nil, "emulator", "--budget", "x")
	if code != ExitInvalid || !strings.Contains(stderr, "budget") {
		t.Errorf("emulator --budget x: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, nil, "emulator", "--latency", "-1s")
	if code != ExitInvalid || !strings.Contains(stderr, "latency") {
		t.Errorf("emulator --latency -1s: exit %d\n%s", code, stderr)
	}
}

// TestEmulatorCommandBudget: `ztsync emulator --budget 2/1m --latency
// 20ms` answers the Ratelimit headers, then 429 with Retry-After for the
// request over the budget, and says so in its banner.
func TestEmulatorCommandBudget(t *testing.T) {
	t.Parallel()
	var stderr emuBuffer
	base, stop := startEmulator(t, &stderr, "--addr", "127.0.0.1:0", "--budget", "2/1m", "--latency", "20ms")
	if !strings.Contains(stderr.String(), "request budget 2/1m per token") {
		t.Errorf("banner does not name the budget:\n%s", stderr.String())
	}
	get := func() *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "GET", base+"/accounts/"+emuAccount+"/access/organizations", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer any")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("answered in %s, before the 20ms latency", d)
		}
		return resp
	}
	for i, want := range []string{`"default";r=1;t=60`, `"default";r=0;t=60`} {
		if r := get(); r.StatusCode != 404 || r.Header.Get("Ratelimit") != want {
			t.Errorf("request %d: %d, Ratelimit %q; want 404 (no organization) and %q", i+1, r.StatusCode, r.Header.Get("Ratelimit"), want)
		}
	}
	if r := get(); r.StatusCode != 429 || r.Header.Get("Retry-After") != "60" {
		t.Errorf("over the budget: %d, Retry-After %q; want 429, 60", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
}
