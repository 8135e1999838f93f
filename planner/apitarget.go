package planner

import (
	"fmt"
	"net/url"
	"strings"
)

// Target is the API a plan was made against and must be applied to: the
// emulator with its state file, or the Cloudflare API at a base URL. It
// never holds credentials: a URL's user info and query are dropped.
type Target struct {
	// Emulator is the absolute path of the emulator's state file, for a
	// plan made with --emulator.
	Emulator string `json:"emulator,omitempty"`
	// BaseURL is the API base URL otherwise (https://api.cloudflare.com/client/v4
	// unless --base-url or CLOUDFLARE_BASE_URL said another).
	BaseURL string `json:"base_url,omitempty"`
}

// APITarget is the Target for the API at baseURL, with the URL's user
// info, query and fragment removed and no trailing slash, so that the
// plan file holds no credential and equal endpoints compare equal.
func APITarget(baseURL string) Target {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Host == "" {
		// Not a URL we can clean: keep only what precedes any ? or #.
		s, _, _ := strings.Cut(baseURL, "?")
		s, _, _ = strings.Cut(s, "#")
		if i := strings.LastIndex(s, "@"); i >= 0 {
			s = s[i+1:]
		}
		return Target{BaseURL: strings.TrimRight(s, "/")}
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	return Target{BaseURL: strings.TrimRight(u.String(), "/")}
}

// IsZero reports whether t names no target (a plan file written before
// targets were recorded).
func (t Target) IsZero() bool { return t == Target{} }

// String names the target for people: "the emulator (state /tmp/live.json)"
// or "the API at https://api.cloudflare.com/client/v4".
func (t Target) String() string {
	switch {
	case t.Emulator != "":
		return fmt.Sprintf("the emulator (state %s)", t.Emulator)
	case t.BaseURL != "":
		return "the API at " + t.BaseURL
	}
	return "no recorded API"
}

// Flags are the command-line flags that point ztsync at t:
// "--emulator FILE", "--base-url URL", or none for Cloudflare's default
// defaultBaseURL.
func (t Target) Flags(defaultBaseURL string) string {
	switch {
	case t.Emulator != "":
		return "--emulator " + shellQuote(t.Emulator)
	case t.BaseURL != "" && t.BaseURL != strings.TrimRight(defaultBaseURL, "/"):
		return "--base-url " + shellQuote(t.BaseURL)
	}
	return ""
}

// SetTarget records t in the plan and updates its fingerprint, which
// covers the target: a plan file whose target was edited is refused.
func (p *Plan) SetTarget(t Target) {
	p.Target = &t
	p.Fingerprint = Fingerprint(p)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+,%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
