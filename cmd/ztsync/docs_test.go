package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../.."

// docFiles returns the user documentation: README.md and docs/*.md.
func docFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, filepath.Join(repoRoot, "README.md"))
	out := map[string]string{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(repoRoot, p)
		out[filepath.ToSlash(rel)] = string(data)
	}
	return out
}

// binaryFlags returns each command's flags as its --help prints them.
func binaryFlags(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	flagLine := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)`)
	for _, c := range commands() {
		code, stdout, stderr := runCLI(t, nil, c.name, "--help")
		if code != ExitOK {
			t.Fatalf("%s --help: exit %d\n%s", c.name, code, stderr)
		}
		out[c.name] = []string{}
		for _, m := range flagLine.FindAllStringSubmatch(stdout, -1) {
			out[c.name] = append(out[c.name], m[1])
		}
	}
	return out
}

// TestCLIDocsMatchBinary: docs/cli.md has one section per command, and each
// section documents exactly the flags the binary's FlagSet has.
func TestCLIDocsMatchBinary(t *testing.T) {
	t.Parallel()
	doc := docFiles(t)["docs/cli.md"]
	bin := binaryFlags(t)
	common := section(doc, "## Common API flags")
	mention := regexp.MustCompile("`--([a-z0-9-]+)")
	for name, flags := range bin {
		sec := section(doc, "## ztsync "+name)
		if sec == "" {
			t.Errorf("docs/cli.md has no section \"## ztsync %s\" for the command %s", name, name)
			continue
		}
		documented := map[string]bool{}
		for _, m := range mention.FindAllStringSubmatch(sec, -1) {
			documented[m[1]] = true
		}
		usesCommon := strings.Contains(sec, "[common API flags](#common-api-flags)")
		if usesCommon {
			for _, m := range mention.FindAllStringSubmatch(common, -1) {
				documented[m[1]] = true
			}
		}
		for _, f := range flags {
			if !documented[f] {
				t.Errorf("docs/cli.md, section \"## ztsync %s\": flag --%s is missing (the binary has it; document it there or in \"## Common API flags\")", name, f)
			}
		}
		for f := range documented {
			if !slices.Contains(flags, f) && !(usesCommon && strings.Contains(common, "`--"+f)) {
				t.Errorf("docs/cli.md, section \"## ztsync %s\": documents --%s, which ztsync %s does not have", name, f, name)
			}
		}
	}
}

// TestDocsCommandLinesUseRealFlags: every `ztsync CMD ...` line in README.md
// and docs/*.md names a real command and only flags that command has.
func TestDocsCommandLinesUseRealFlags(t *testing.T) {
	t.Parallel()
	bin := binaryFlags(t)
	cmdLine := regexp.MustCompile(`ztsync ([a-z]+)((?: +[^ |` + "`" + `;&)]+)*)`)
	flagRE := regexp.MustCompile(`(?:^| )--([a-z0-9-]+)`)
	for file, text := range docFiles(t) {
		for i, line := range strings.Split(text, "\n") {
			for _, m := range cmdLine.FindAllStringSubmatch(line, -1) {
				name := m[1]
				flags, ok := bin[name]
				if !ok {
					continue // "ztsync help", or prose ("ztsync keeps ...")
				}
				for _, f := range flagRE.FindAllStringSubmatch(m[2], -1) {
					if f[1] == "help" || slices.Contains(flags, f[1]) {
						continue
					}
					t.Errorf("%s:%d: `ztsync %s` has no flag --%s: %s", file, i+1, name, f[1], strings.TrimSpace(line))
				}
			}
		}
	}
}

// TestDocsExitCodes: the exit code table of docs/cli.md lists exactly the
// binary's codes with their meaning, and no doc names another code.
func TestDocsExitCodes(t *testing.T) {
	t.Parallel()
	docs := docFiles(t)
	table := section(docs["docs/cli.md"], "## Exit codes")
	row := regexp.MustCompile(`(?m)^\| ([0-9]+) \| (.*) \|$`)
	var codes []int
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		var code int
		fmt.Sscan(m[1], &code)
		codes = append(codes, code)
		if meaning := exitMeaning(code); meaning == "unknown" {
			t.Errorf("docs/cli.md documents exit code %d, which ztsync does not use", code)
		} else if !strings.Contains(strings.ToLower(m[2]), strings.Fields(meaning)[0]) && code != ExitOK {
			t.Errorf("docs/cli.md: exit %d is %q in the binary, documented as %q", code, meaning, m[2])
		}
	}
	for _, code := range []int{ExitOK, ExitError, ExitChanges, ExitInvalid, ExitRefused} {
		if !slices.Contains(codes, code) {
			t.Errorf("docs/cli.md's exit code table lacks %d (%s)", code, exitMeaning(code))
		}
	}
	mention := regexp.MustCompile(`(?i)\bexits? (?:code )?([0-9]+)\b`)
	for file, text := range docs {
		for _, m := range mention.FindAllStringSubmatch(text, -1) {
			var code int
			fmt.Sscan(m[1], &code)
			if exitMeaning(code) == "unknown" {
				t.Errorf("%s names %q, which is no ztsync exit code", file, m[0])
			}
		}
	}
}

// TestDocsIndexAndLinks: docs/README.md links every page of docs/, and
// every relative link in the docs points at a file that exists.
func TestDocsIndexAndLinks(t *testing.T) {
	t.Parallel()
	docs := docFiles(t)
	index := docs["docs/README.md"]
	for file := range docs {
		if strings.HasPrefix(file, "docs/") && file != "docs/README.md" && !strings.Contains(index, "("+strings.TrimPrefix(file, "docs/")+")") {
			t.Errorf("docs/README.md does not link %s", file)
		}
	}
	link := regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`)
	code := regexp.MustCompile("(?s)```.*?```|``[^\n]*?``|`[^`\n]*`")
	for file, text := range docs {
		for _, m := range link.FindAllStringSubmatch(code.ReplaceAllString(text, ""), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := filepath.Join(repoRoot, filepath.Dir(file), target)
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s, which does not exist", file, target)
			}
		}
	}
	if strings.Contains(docs["README.md"], "DESIGN.md") {
		t.Errorf("README.md refers to DESIGN.md, which is not in the repository")
	}
}

// section returns the part of a markdown document from the heading line
// to the next heading of the same or a higher level.
func section(doc, heading string) string {
	i := strings.Index(doc, "\n"+heading+"\n")
	if i < 0 {
		return ""
	}
	rest := doc[i+1+len(heading):]
	level := strings.Count(strings.Fields(heading)[0], "#")
	for j := 0; j < len(rest); {
		k := strings.Index(rest[j:], "\n#")
		if k < 0 {
			break
		}
		j += k + 1
		n := len(rest[j:]) - len(strings.TrimLeft(rest[j:], "#"))
		if n <= level && strings.HasPrefix(rest[j+n:], " ") {
			return rest[:j]
		}
	}
	return rest
}

// TestEmulatorDocs: docs/emulator.md lists every route and fault kind the
// emulator has, and its 404 answer points at that page.
func TestEmulatorDocs(t *testing.T) {
	t.Parallel()
	doc := docFiles(t)[emulator.DocsPath]
	if doc == "" {
		t.Fatalf("%s is missing", emulator.DocsPath)
	}
	for _, r := range emulator.New(emulator.Options{}).Routes() {
		method, path, _ := strings.Cut(r, " ")
		if !strings.Contains(doc, "| "+method+" | `"+path+"` |") {
			t.Errorf("%s does not list the route %s", emulator.DocsPath, r)
		}
	}
	for _, k := range emulator.FaultKinds() {
		if !strings.Contains(doc, "| `"+k.String()+"` |") {
			t.Errorf("%s does not list the fault %s", emulator.DocsPath, k)
		}
	}
	// The --help text lists them too.
	_, help, _ := runCLI(t, nil, "emulator", "--help")
	for _, want := range []string{"GET /client/v4/accounts/{id}/access/organizations", "drop_after_apply", "Authentication", "State (--state FILE)", emulator.DocsPath} {
		if !strings.Contains(help, want) {
			t.Errorf("ztsync emulator --help lacks %q", want)
		}
	}

	srv := emulator.NewServer(t, emulator.Options{})
	resp, err := http.Get(srv.URL + "/no/such/route")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), emulator.DocsPath) {
		t.Errorf("404 answer %d does not point at %s: %s", resp.StatusCode, emulator.DocsPath, body)
	}
}

// TestHelpExamplesLeaveTrackedFilesAlone: no command's help example points
// apply or the emulator server at a state file in the repository, which
// they would rewrite.
func TestHelpExamplesLeaveTrackedFilesAlone(t *testing.T) {
	t.Parallel()
	writer := regexp.MustCompile(`ztsync (apply|emulator)\b[^\n&;]*--(emulator|state) +(\S+)`)
	for _, c := range commands() {
		_, help, _ := runCLI(t, nil, c.name, "--help")
		_, example, _ := strings.Cut(help, "\nexample:\n")
		example, _, _ = strings.Cut(example, "\n\n")
		for _, m := range writer.FindAllStringSubmatch(example, -1) {
			if !filepath.IsAbs(m[3]) {
				t.Errorf("ztsync %s --help: example %q writes %s, a file in the repository; copy it to /tmp first", c.name, m[0], m[3])
			}
		}
	}
}

// planSchema compiles docs/plan.schema.json.
func planSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "docs", "plan.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("plan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("plan.schema.json")
	if err != nil {
		t.Fatalf("docs/plan.schema.json: %v", err)
	}
	return sch
}

func validatePlan(t *testing.T, sch *jsonschema.Schema, name string, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return sch.Validate(v)
}

// TestPlanSchemaValidatesRealPlans: plans the binary writes (creates with
// follow-ups, updates, DoH, revocations, a mass-change warning, the
// emulator and an API target) are valid against docs/plan.schema.json, and
// an edited one is not.
func TestPlanSchemaValidatesRealPlans(t *testing.T) {
	t.Parallel()
	sch := planSchema(t)
	f := newApplyFixture(t, applyConfig+`
accounts: new: {
	id: "0000000000000000000000000000000a"
	organization: {name: "New", auth_domain: "new.cloudflareaccess.com", custom_pages: forbidden: "abc"}
}
`)
	var plans [][]byte
	out, _ := f.plan(t)
	data, _ := os.ReadFile(out)
	plans = append(plans, data)
	if !bytes.Contains(data, []byte(`"follow_up"`)) {
		t.Errorf("the plan has no follow_up to validate:\n%s", data)
	}

	// Against an API, with a mass-change warning.
	g := newApplyFixture(t, newZones(12))
	srv := emulator.NewServer(t, emulator.Options{})
	code, stdout, stderr := runCLI(t, map[string]string{"CLOUDFLARE_BASE_URL": srv.URL, "CLOUDFLARE_API_TOKEN": "t"}, "plan", "--dir", g.dir, "--format", "json")
	if code != 0 {
		t.Fatalf("plan against the API: exit %d\n%s", code, stderr)
	}
	plans = append(plans, []byte(stdout))

	for i, p := range plans {
		if err := validatePlan(t, sch, "plan", p); err != nil {
			t.Errorf("plan %d is not valid against docs/plan.schema.json: %v\n%s", i, err, p)
		}
	}

	// Teeth: an unknown field, a bad action and a credential in the target
	// are refused.
	for name, edit := range map[string]func(m map[string]any){
		"unknown field": func(m map[string]any) { m["extra"] = 1 },
		"bad action":    func(m map[string]any) { m["changes"].([]any)[0].(map[string]any)["action"] = "delete" },
		"credential":    func(m map[string]any) { m["target"] = map[string]any{"base_url": "https://u:p@api.example.com"} },
	} {
		var m map[string]any
		if err := json.Unmarshal(plans[0], &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		bad, _ := json.Marshal(m)
		if err := validatePlan(t, sch, name, bad); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}

// TestPlanSchemaCoversPlanType: the schema's properties are exactly the
// JSON fields of planner.Plan and planner.Change, and its format_version is
// planner.FormatVersion: a field added to the plan must be added to the
// schema (and to docs/plan-format.md).
func TestPlanSchemaCoversPlanType(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, "docs", "plan.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]struct {
			Const string `json:"const"`
		} `json:"properties"`
		Defs struct {
			Change struct {
				Properties map[string]any `json:"properties"`
			} `json:"change"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Properties["format_version"].Const; got != planner.FormatVersion {
		t.Errorf("docs/plan.schema.json is for format_version %q, the planner writes %q", got, planner.FormatVersion)
	}
	format := docFiles(t)["docs/plan-format.md"]
	check := func(typ reflect.Type, props map[string]any, where string) {
		var fields []string
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields = append(fields, name)
			if _, ok := props[name]; !ok {
				t.Errorf("docs/plan.schema.json %s lacks the field %q that planner.%s writes", where, name, typ.Name())
			}
			if !strings.Contains(format, "`"+name+"`") {
				t.Errorf("docs/plan-format.md does not describe `%s` (planner.%s)", name, typ.Name())
			}
		}
		for name := range props {
			if !slices.Contains(fields, name) {
				t.Errorf("docs/plan.schema.json %s has %q, which planner.%s does not write", where, name, typ.Name())
			}
		}
	}
	top := map[string]any{}
	for k := range s.Properties {
		top[k] = true
	}
	check(reflect.TypeFor[planner.Plan](), top, "properties")
	check(reflect.TypeFor[planner.Change](), s.Defs.Change.Properties, "$defs.change")
}
