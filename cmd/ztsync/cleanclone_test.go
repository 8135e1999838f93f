package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFollowingTheDocsLeavesTheCloneClean clones the repository and, in
// the clone, runs what a newcomer runs: the shell lines of README.md and
// docs/*.md that call ztsync offline (validate, or against the emulator),
// every such --help example, and the next step that the README's first
// plan prints. Afterwards `git status` must show no change: no example
// and no hint rewrites a tracked file (/tmp is a private directory here).
func TestFollowingTheDocsLeavesTheCloneClean(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("clones the repository and builds the binary")
	}
	requireTool(t, "git", "apt-get install git")
	requireTool(t, "bash", "apt-get install bash")
	bin := buildZtsync(t)
	binDir := filepath.Dir(bin)
	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", repoRoot, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	tmp := t.TempDir()
	run := func(line string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", line)
		cmd.Dir = clone
		cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "TMPDIR="+tmp,
			"CLOUDFLARE_API_TOKEN=", "CLOUDFLARE_API_KEY=", "CLOUDFLARE_EMAIL=", "CLOUDFLARE_BASE_URL=http://127.0.0.1:1")
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	offline := func(line string) bool {
		return !strings.HasSuffix(line, "&") && (strings.Contains(line, "--emulator") || strings.Contains(line, "ztsync validate")) &&
			!strings.Contains(line, "ztsync emulator")
	}
	var lines []string
	shLine := regexp.MustCompile(`(?m)^(?:go run \./cmd/ztsync|\./ztsync|ztsync|cp ) *.*$`)
	for _, name := range append([]string{"README.md"}, globDocs(t)...) {
		data, err := os.ReadFile(filepath.Join(repoRoot, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
			for _, l := range shLine.FindAllString(block[1], -1) {
				l, _, _ = strings.Cut(l, " #")
				l = strings.TrimSpace(strings.Replace(strings.Replace(l, "go run ./cmd/ztsync", "ztsync", 1), "./ztsync", "ztsync", 1))
				if strings.HasPrefix(l, "cp ") || offline(l) {
					lines = append(lines, l)
				}
			}
		}
	}
	for _, c := range commands() {
		_, help, _ := runCLI(t, nil, c.name, "--help")
		_, example, _ := strings.Cut(help, "\nexample:\n")
		example, _, _ = strings.Cut(example, "\n\n")
		for _, l := range strings.Split(example, "\n") {
			if l = strings.TrimSpace(l); strings.Contains(l, "ztsync ") && offline(l) {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) < 5 {
		t.Fatalf("found only %d commands to follow: %q", len(lines), lines)
	}
	for _, l := range lines {
		l = strings.ReplaceAll(l, "/tmp/", tmp+"/")
		t.Logf("$ %s\n%s", l, run(l))
	}
	// The first plan's hint, followed as printed.
	out := run("ztsync plan --dir examples/quickstart --emulator examples/quickstart/live.json")
	_, hint, ok := strings.Cut(out, "To apply it")
	if !ok {
		t.Fatalf("the first plan prints no next step:\n%s", out)
	}
	_, hint, _ = strings.Cut(hint, ": ")
	hint, _, _ = strings.Cut(hint, "\n")
	hint = strings.Replace(hint, ", review, then ", " && ", 1)
	if got := run(hint); !strings.Contains(got, "Apply complete") {
		t.Errorf("following the hint %q did not apply:\n%s", hint, got)
	}

	status, err := exec.Command("git", "-C", clone, "status", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(status) > 0 {
		t.Errorf("following the docs, the --help examples and the first plan's hint changed the clone:\n%s", status)
	}
}

// globDocs lists docs/*.md relative to the repository root.
func globDocs(t *testing.T) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i], _ = filepath.Rel(repoRoot, m[i])
	}
	return m
}
