package ghaction

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// currentMajors are the majors of the actions ztsync's action.yml and
// example workflows call that run on the runners' current Node (24); the
// Node 20 majors before them are gone.
var currentMajors = map[string]string{
	"actions/checkout":        "v6",
	"actions/setup-go":        "v6",
	"actions/cache":           "v5",
	"actions/cache/restore":   "v5",
	"actions/cache/save":      "v5",
	"actions/upload-artifact": "v7",
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, "..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCurrentRunners: every action used is at its current major; the
// build cache works outside the workspace without hashFiles and is saved
// whatever later steps do; the job's token reaches the binary.
func TestCurrentRunners(t *testing.T) {
	t.Parallel()
	files := []string{"action.yml", "README.md", filepath.Join("docs", "github-action.md")}
	wfs, _ := filepath.Glob(filepath.Join(testdataDir, "..", "..", "examples", "workflows", "*.yml"))
	for _, w := range wfs {
		files = append(files, filepath.Join("examples", "workflows", filepath.Base(w)))
	}
	if len(files) < 6 {
		t.Fatalf("found %v", files)
	}
	uses := regexp.MustCompile(`(?m)^\s*(?:-\s*)?uses:\s*([^@\s]+)@(\S+)`)
	for _, f := range files {
		for _, m := range uses.FindAllStringSubmatch(readRepoFile(t, f), -1) {
			want, known := currentMajors[m[1]]
			if strings.HasPrefix(m[1], "actions/") && !known {
				t.Errorf("%s: %s@%s: add its current major to currentMajors", f, m[1], m[2])
			}
			if known && m[2] != want {
				t.Errorf("%s: %s@%s, want @%s", f, m[1], m[2], want)
			}
		}
	}
	yml := readRepoFile(t, "action.yml")
	if regexp.MustCompile(`\$\{\{[^}]*hashFiles\(`).MatchString(yml) {
		t.Error("action.yml uses hashFiles, which cannot see the action's own files outside the workspace")
	}
	if strings.Contains(yml, "uses: actions/cache@") {
		t.Error("action.yml uses actions/cache, which saves only when the job succeeds")
	}
	save := regexp.MustCompile(`(?s)if: (always\(\)[^\n]*)\n\s*uses: actions/cache/save@`).FindStringSubmatch(yml)
	if save == nil {
		t.Error("the cache save step does not run with if: always()")
	}
	if !regexp.MustCompile(`cache: false`).MatchString(yml) {
		t.Error("setup-go's module cache hashes files outside the workspace (a warning every run)")
	}
	if !strings.Contains(yml, jobToken+": ${{ github.token }}") {
		t.Errorf("action.yml does not pass %s", jobToken)
	}
	// Every input the binary reads is declared and mapped.
	for _, in := range []string{inputCommand, inputDirectory, inputBase, inputComment, inputGitHubToken, inputCloudflareToken, inputArgs} {
		name := strings.ToLower(strings.TrimPrefix(in, "INPUT_"))
		if !strings.Contains(yml, "\n  "+name+":\n") || !strings.Contains(yml, in+": ${{ inputs."+name+" }}") {
			t.Errorf("input %s is not declared and mapped in action.yml", name)
		}
	}
}

// TestDriftIssueReadsAsProse: the drift issue body is sentences around
// the summary output, not a label soup.
func TestDriftIssueReadsAsProse(t *testing.T) {
	t.Parallel()
	wf := readRepoFile(t, filepath.Join("examples", "workflows", "drift-check.yml"))
	m := regexp.MustCompile(`body="([^"]*)"`).FindStringSubmatch(wf)
	if m == nil {
		t.Fatal("no issue body in drift-check.yml")
	}
	body := strings.NewReplacer("${SUMMARY}", "0 to create, 1 to update, 0 to revoke, 3 unchanged", "${RUN_URL}", "https://github.com/acme/zt/actions/runs/1", "${SHARD}", "2").Replace(m[1])
	if strings.Contains(body, "Plan:") || strings.Contains(body, ": Plan") {
		t.Errorf("body %q", body)
	}
	for _, s := range strings.Split(strings.TrimSuffix(body, "."), ". ") {
		if len(strings.Fields(s)) < 5 || !regexp.MustCompile(`^[A-Z]`).MatchString(s) {
			t.Errorf("%q is not a sentence in %q", s, body)
		}
	}
}

// TestGuideCoversActionYML: docs/github-action.md documents every input
// and output of action.yml, with its default, and every example workflow.
func TestGuideCoversActionYML(t *testing.T) {
	t.Parallel()
	guide := readRepoFile(t, filepath.Join("docs", "github-action.md"))
	yml := readRepoFile(t, "action.yml")
	inputs := yml[strings.Index(yml, "\ninputs:\n"):strings.Index(yml, "\noutputs:\n")]
	outputs := yml[strings.Index(yml, "\noutputs:\n"):strings.Index(yml, "\nruns:\n")]
	entry := regexp.MustCompile(`(?m)^  ([a-z-]+):\n(?:    .*\n)*?    default: (.*)$`)
	n := 0
	for _, m := range entry.FindAllStringSubmatch(inputs, -1) {
		n++
		def := strings.Trim(m[2], `"`)
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(m[1]) + "` \\| `([^`]*)` \\|").FindStringSubmatch(guide)
		if row == nil {
			t.Errorf("input %s is not in the guide's table", m[1])
			continue
		}
		if strings.Trim(row[1], `"`) != def {
			t.Errorf("input %s: the guide says default %q, action.yml %q", m[1], row[1], def)
		}
	}
	if n < 7 {
		t.Fatalf("read %d inputs from action.yml", n)
	}
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z-]+):\n`).FindAllStringSubmatch(outputs, -1) {
		if !strings.Contains(guide, "| `"+m[1]+"` |") {
			t.Errorf("output %s is not in the guide's table", m[1])
		}
	}
	wfs, _ := filepath.Glob(filepath.Join(testdataDir, "..", "..", "examples", "workflows", "*.yml"))
	for _, w := range wfs {
		if !strings.Contains(guide, "`"+filepath.Base(w)+"`") {
			t.Errorf("the guide does not mention %s", filepath.Base(w))
		}
	}
}

func TestSplitArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: `--target "account/prod" --max-change-percent '50'`, want: []string{"--target", "account/prod", "--max-change-percent", "50"}},
		{in: `--target account\ prod`, want: []string{"--target", "account prod"}},
		{in: `--target $HOME --x ` + "`id`", want: []string{"--target", "$HOME", "--x", "`id`"}},
		{in: "  ", want: []string{}},
		{in: `--target "open`, bad: true},
		{in: `--detailed-exitcode; rm -rf /`, bad: true},
		{in: `--detailed-exitcode | cat`, bad: true},
	}
	for _, tt := range tests {
		got, err := splitArgs(tt.in)
		if tt.bad {
			if err == nil {
				t.Errorf("splitArgs(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
