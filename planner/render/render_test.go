package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ztsync/ztsync/planner"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func renderAll(t *testing.T, p *planner.Plan) (text, color, md []byte) {
	t.Helper()
	var a, b, c bytes.Buffer
	if err := Text(&a, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Text(&b, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	opts := MarkdownOptions{}
	if p.Source.Dir == "config" {
		opts = MarkdownOptions{Status: "Planned by run #42", RunURL: "https://github.com/acme/zt/actions/runs/42"}
	}
	if err := Markdown(&c, p, opts); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes(), c.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for name, p := range goldenPlans() {
		t.Run(name, func(t *testing.T) {
			text, color, md := renderAll(t, p)
			golden(t, name+".txt", text)
			golden(t, name+".color.txt", color)
			golden(t, name+".md", md)

			// Deterministic: a second rendering is byte for byte the same.
			text2, color2, md2 := renderAll(t, p)
			for i, pair := range [][2][]byte{{text, text2}, {color, color2}, {md, md2}} {
				if !bytes.Equal(pair[0], pair[1]) {
					t.Errorf("rendering %d differs between two runs", i)
				}
			}
			if bytes.Contains(text, []byte("\x1b")) || bytes.Contains(md, []byte("\x1b")) {
				t.Error("escape sequence in uncoloured output")
			}
			if p.HasChanges() && !bytes.Contains(color, []byte("\x1b[")) {
				t.Error("no colour in coloured output")
			}
			// The summary line is the last line of the text.
			lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, Summary(p)) {
				t.Errorf("last line %q does not start with %q", last, Summary(p))
			}
			checkMarkdownStructure(t, string(md))
		})
	}
}

// checkMarkdownStructure checks what keeps a comment's layout whole: every
// table row has five cells as GFM splits them, and no line inside the
// diff fence closes it early.
func checkMarkdownStructure(t *testing.T, md string) {
	t.Helper()
	lines := strings.Split(md, "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "|") {
			if n := len(gfmCells(l)); n != 5 {
				t.Errorf("table row has %d cells, want 5: %s", n, l)
			}
		}
	}
	open := regexp.MustCompile("^(`{3,})diff$")
	for i, l := range lines {
		m := open.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		fence := m[1]
		closed := false
		for _, in := range lines[i+1:] {
			if strings.HasPrefix(strings.TrimLeft(in, " "), "```") {
				if strings.TrimRight(in, " ") != fence {
					t.Errorf("line %q inside the diff fence looks like a fence", in)
				}
				closed = true
				break
			}
		}
		if !closed {
			t.Error("diff fence not closed")
		}
	}
}

// gfmCells splits a table row as cmark-gfm does: its cell scanner is
// (escaped_char | [^|\r\n])+ matched longest-first, so a pipe right after a
// backslash never splits, whatever comes before the backslash.
func gfmCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	var cells []string
	start := 0
	for i := 0; i < len(row); i++ {
		if row[i] == '|' && (i == 0 || row[i-1] != '\\') {
			cells = append(cells, row[start:i])
			start = i + 1
		}
	}
	if strings.TrimSpace(row[start:]) != "" {
		cells = append(cells, row[start:])
	}
	return cells
}

func TestNilPlanAndWriteErrors(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if Text(&buf, nil, TextOptions{}) == nil || Markdown(&buf, nil, MarkdownOptions{}) == nil {
		t.Error("nil plan accepted")
	}
	if got := Summary(nil); got != "No changes." {
		t.Errorf("Summary(nil) = %q", got)
	}
	w := failWriter{}
	p := mixed()
	for name, err := range map[string]error{
		"text":     Text(w, p, TextOptions{}),
		"markdown": Markdown(w, p, MarkdownOptions{}),
	} {
		if !errors.Is(err, errWrite) {
			t.Errorf("%s: error %v does not wrap the write error", name, err)
		}
	}
}

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestMarkdownOptions(t *testing.T) {
	t.Parallel()
	p := updateNested()
	var buf bytes.Buffer
	err := Markdown(&buf, p, MarkdownOptions{
		Title:  "ztsync plan for `config/`",
		Status: "Applied by run #42\n(second line)",
		RunURL: "https://example.com/run (1)",
	})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"## ztsync plan for `config/`\n",
		"**Status:** Applied by run #42 (second line)\n",
		"[workflow run](https://example.com/run%20%281%29)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	buf.Reset()
	if err := Markdown(&buf, p, MarkdownOptions{RunURL: "javascript:alert(1)"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "javascript") || strings.Contains(buf.String(), "Status") {
		t.Errorf("unexpected link or status:\n%s", buf.String())
	}
}

// TestCountsTableThenRisky: the comment opens with the counts and the
// change table, then the risky changes, then the details.
func TestCountsTableThenRisky(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Markdown(&buf, mixed(), MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	summary, table, warn, diff := strings.Index(out, "**Plan:"), strings.Index(out, "| Address"), strings.Index(out, "> [!WARNING]"), strings.Index(out, "<details>")
	if summary < 0 || !(summary < table && table < warn && warn < diff) {
		t.Errorf("want the counts, the table, the risky callout, then the diff:\n%s", out)
	}
	for _, want := range []string{"`auth_domain`", "`is_ui_read_only`", "`mallory@example.com`"} {
		if !strings.Contains(out[warn:diff], want) {
			t.Errorf("risky callout lacks %s", want)
		}
	}
	if strings.Contains(out[warn:diff], "user_seat_expiration_inactive_time") {
		t.Error("a plain change is listed as risky")
	}

	buf.Reset()
	if err := Markdown(&buf, dohUpdate(), MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "[!WARNING]") {
		t.Error("risky callout for a plan without risky changes")
	}
}

// The renderings show the planner's decision on risk and its reason, and
// judge nothing themselves: a field the schema calls risky is not flagged
// when the planner did not flag it (creating an organization with
// is_ui_read_only: false locks nothing).
func TestRiskIsThePlannersDecision(t *testing.T) {
	t.Parallel()
	render := func(d planner.FieldDiff) (string, string) {
		p := basePlan()
		p.Changes = []planner.Change{update(prodScope(), planner.Organization, nil, d)}
		var text, md bytes.Buffer
		if err := Text(&text, p, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		return text.String(), md.String()
	}
	text, md := render(fd("is_ui_read_only", nil, false))
	if strings.Contains(text, "risky") || strings.Contains(md, "[!WARNING]") || strings.Contains(md, "risky") {
		t.Errorf("a diff the planner did not flag is shown as risky:\n%s\n%s", text, md)
	}
	text, md = render(risky("deny_unmatched_requests", false, true, "people lose access"))
	if !strings.Contains(text, "(risky)") || !strings.Contains(text, "# risky: people lose access") ||
		!strings.Contains(md, "[!WARNING]") || !strings.Contains(md, "`deny_unmatched_requests`: people lose access") {
		t.Errorf("the planner's risky diff or its reason is not shown:\n%s\n%s", text, md)
	}
}

func TestCodeSpan(t *testing.T) {
	t.Parallel()
	if got, want := CodeSpan("a|b"), "`a|b`"; got != want {
		t.Errorf("codeSpan outside a table = %q, want %q", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"plain", "`plain`"},
		{"a|b", "`a\\|b`"},
		{"a`b", "``a`b``"},
		{"`x", "`` `x ``"},
		{"x`", "`` x` ``"},
		{"```", "```` ``` ````"},
		{"a\nb", "`a\\nb`"},
		{"", ""},
		{"  ", "`    `"},
	} {
		if got := TableCode(tc.in); got != tc.want {
			t.Errorf("TableCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEscapeMD(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain text, ok.", "plain text, ok."},
		{"*a* _b_", `\*a\* \_b\_`},
		{"<b>&amp;</b>", `\<b\>\&amp;\</b\>`},
		{"1. item", `1\. item`},
		{"12) item", `12\) item`},
		{"- dash", `\- dash`},
		{"a - b", "a - b"},
		{"# h", `\# h`},
		{"[x](y)", `\[x\](y)`},
	} {
		if got := escapeMD(tc.in); got != tc.want {
			t.Errorf("escapeMD(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShorten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"0123456789abc", 10, "012345678…"},
		{"ääääääääääää", 5, "ääää…"},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"24h", `"24h"`},
		{true, "true"},
		{json.Number("250"), "250"},
		{[]any{"a", "b"}, `["a","b"]`},
		{map[string]any{"b": 1, "a": "<&>"}, `{"a":"<&>","b":1}`},
		{"tab\tnew\nline\x1b[31m", `"tab\tnew\nline\u001b[31m"`},
		{"c1 \u009b", `"c1 \u009b"`},
		{nil, "null"},
		{func() {}, `"0x` /* prefix only, checked below */},
	} {
		got := formatValue(tc.in)
		if _, isFunc := tc.in.(func()); isFunc {
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("formatValue(func) = %q", got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("formatValue(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextEmptyPlan(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := &planner.Plan{Summary: planner.Summary{Unchanged: 1}}
	if err := Text(&buf, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\x1b[1mNo changes.\x1b[0m 1 resource unchanged.\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	buf.Reset()
	if err := Text(&buf, &planner.Plan{}, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "No changes.\n" {
		t.Errorf("got %q", got)
	}
}

func TestChangeOrderKept(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p := mixed()
	if err := Text(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	var at []int
	for _, c := range p.Changes {
		at = append(at, strings.Index(buf.String(), c.Address+" will"))
	}
	if !slices.IsSorted(at) || at[0] < 0 {
		t.Errorf("changes out of plan order: %v", at)
	}
}

func BenchmarkMarkdown(b *testing.B) {
	p := bigPlan(1000)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Markdown(&buf, p, MarkdownOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/op-output")
}

func BenchmarkText(b *testing.B) {
	p := bigPlan(1000)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Text(&buf, p, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzCodeSpanCell(f *testing.F) {
	for _, s := range []string{"a|b", "``", "\\|", "x\\", "`a`", "\n|\\\\|", "  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		row := "| " + TableCode(s) + " | x |"
		if n := len(gfmCells(row)); n != 2 {
			t.Errorf("%q splits into %d cells: %s", s, n, row)
		}
		if strings.ContainsAny(TableCode(s), "\n\r") {
			t.Errorf("newline in code span for %q", s)
		}
	})
}

// TestBidiEscaped: a value with bidirectional formatting characters (a
// "Trojan source" trick) shows them escaped in every rendering.
func TestBidiEscaped(t *testing.T) {
	t.Parallel()
	p := &planner.Plan{FormatVersion: planner.FormatVersion, Changes: []planner.Change{{
		Address: "account/a/organization", Action: planner.Update, Resource: planner.Organization,
		Diff: []planner.FieldDiff{{Path: "name", Before: "Acme", After: "Acme \u202eevil\u2066 corp"}},
	}}}
	var text, md bytes.Buffer
	if err := Text(&text, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if strings.ContainsAny(out, "\u202e\u2066") {
			t.Errorf("%s shows a bidi control raw:\n%s", name, out)
		}
		if !strings.Contains(out, `\u202e`) {
			t.Errorf("%s does not show the bidi control escaped:\n%s", name, out)
		}
	}
}
