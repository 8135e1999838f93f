package render

import (
	"strings"
	"testing"
)

func TestEscapeMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"@octocat please", "@\u200boctocat please"},
		{"ask @acme/security now", "ask @\u200bacme/security now"},
		{"(@team)", "(@\u200bteam)"},
		{"alice@example.com", "alice@example.com"}, // no mention
		{"<img src=x onerror=alert(1)> [Status: applied](https://x)", `\<img src=x onerror=alert(1)\> \[Status: applied\](https://x)`},
		{"line1\nline2\r\x1b[31m", `line1 line2 \\x1b\[31m`},
	}
	for _, tt := range tests {
		if got := EscapeMarkdown(tt.in); got != tt.want {
			t.Errorf("EscapeMarkdown(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(EscapeMarkdown(tt.in), "\n\r") {
			t.Errorf("EscapeMarkdown(%q) spans lines", tt.in)
		}
	}
}
