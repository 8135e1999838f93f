package planner_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Golden cases are planner/testdata/<case>.txtar. Input sections:
//
//	desired.cue  the configuration (loaded with the real loader)
//	live.json    the live state, in the emulator's state-file shape:
//	             {"accounts": {ID: {"organization": {...}, "doh": {...}}},
//	              "zones": {ID: {"organization": {...}}}}; a missing
//	             organization is "does not exist" (404), a missing doh of an
//	             existing organization is {} (as the emulator answers)
//	base.cue     optional: the configuration at --base (base ref "HEAD~1")
//	targets      optional: --target values, one a line
//
// Output sections, rewritten by -update: plan.json (the plan file,
// planner.WritePlan), or error.txt when Build or Fetch fails. Plans are
// pinned as data only; how they look is planner/render's golden tests.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) { runGolden(t, file) })
	}
}

// outputSections are the sections runGolden produces, in file order.
var outputSections = []string{"error.txt", "plan.json"}

// oldSections were produced before renderings moved to planner/render;
// -update drops them.
var oldSections = []string{"plan.txt", "plan.md"}

func runGolden(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string][]byte{}
	for _, f := range ar.Files {
		in[f.Name] = f.Data
	}
	desired := loadCUE(t, in["desired.cue"])
	o := planner.Options{
		ToolVersion: "0.0.0-test",
		CreatedAt:   time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
		Source:      planner.Source{Dir: "config", Commit: "9fceb02d0ae598e95dc970b74767f19372d61af8"},
		Targets:     lines(in["targets"]),
	}
	if b, ok := in["base.cue"]; ok {
		o.Base = loadCUE(t, b)
		o.BaseRef = "HEAD~1"
	}
	reader := newStateReader(t, in["live.json"])

	got := map[string][]byte{}
	live, err := planner.Fetch(context.Background(), reader, desired, planner.FetchOptions{Concurrency: 4, Targets: o.Targets})
	var p *planner.Plan
	if err == nil {
		p, err = planner.Build(desired, live, o)
	}
	if err != nil {
		got["error.txt"] = []byte(err.Error() + "\n")
	} else {
		var js bytes.Buffer
		if err := planner.WritePlan(&js, p); err != nil {
			t.Fatalf("WritePlan: %v", err)
		}
		got["plan.json"] = js.Bytes()
		checkInvariants(t, p)
	}

	if *update {
		var files []txtar.File
		for _, f := range ar.Files {
			if !isOutput(f.Name) {
				files = append(files, f)
			}
		}
		for _, name := range outputSections {
			if b, ok := got[name]; ok {
				files = append(files, txtar.File{Name: name, Data: b})
			}
		}
		ar.Files = files
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	for _, name := range outputSections {
		want, inFile := in[name]
		have, produced := got[name]
		switch {
		case inFile && !produced:
			t.Errorf("%s: expected, not produced (error: %v)", name, err)
		case !inFile && produced:
			t.Errorf("%s: produced, not in the golden file:\n%s", name, have)
		case !inFile:
		case name == "plan.json":
			var w, g any
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatalf("golden plan.json: %v", err)
			}
			if err := json.Unmarshal(have, &g); err != nil {
				t.Fatalf("rendered plan.json: %v", err)
			}
			if d := cmp.Diff(w, g); d != "" {
				t.Errorf("plan.json mismatch (-want +got):\n%s", d)
			}
		default:
			if d := cmp.Diff(string(want), string(have)); d != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", name, d)
			}
		}
	}
}

func isOutput(name string) bool {
	return slices.Contains(outputSections, name) || slices.Contains(oldSections, name)
}

// checkInvariants holds for every plan.
func checkInvariants(t *testing.T, p *planner.Plan) {
	t.Helper()
	s := p.Summary
	if got := s.Create + s.Update + s.Revoke + s.Unchanged; got != p.Declared {
		t.Errorf("summary %+v adds up to %d, declared %d", s, got, p.Declared)
	}
	if p.Fingerprint != planner.Fingerprint(p) {
		t.Errorf("fingerprint is not Fingerprint(changes)")
	}
	for _, c := range p.Changes {
		for _, k := range schema.ReadOnlyFields() {
			if _, ok := c.Body[k]; ok {
				t.Errorf("%s: body carries read-only %s", c.Address, k)
			}
		}
		if c.Action == planner.Create && c.Body["custom_pages"] != nil {
			t.Errorf("%s: POST body carries custom_pages", c.Address)
		}
	}
}

// loadCUE loads src as the only file of a configuration directory with the
// real loader.
func loadCUE(t *testing.T, src []byte) *schema.Config {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.cue"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := loader.New()
	if err != nil {
		t.Fatal(err)
	}
	res, err := l.LoadDir(dir)
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	return res.Config
}

func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// stateReader answers GETs from an emulator-shaped state file.
type stateReader struct {
	Accounts map[string]struct {
		Organization schema.Object `json:"organization"`
		DoH          schema.Object `json:"doh"`
	} `json:"accounts"`
	Zones map[string]struct {
		Organization schema.Object `json:"organization"`
	} `json:"zones"`
}

func newStateReader(t *testing.T, b []byte) *stateReader {
	t.Helper()
	var s stateReader
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&s); err != nil {
		t.Fatalf("live.json: %v", err)
	}
	return &s
}

func (s *stateReader) GetOrganization(_ context.Context, sc schema.Scope) (schema.Object, error) {
	var o schema.Object
	if sc.Kind == schema.KindZone {
		o = s.Zones[sc.ID].Organization
	} else {
		o = s.Accounts[sc.ID].Organization
	}
	if o == nil {
		return nil, fmt.Errorf("GET %s/access/organizations: 404: %w", sc.Prefix(), schema.ErrNotFound)
	}
	return o, nil
}

func (s *stateReader) GetDoH(_ context.Context, sc schema.Scope) (schema.Object, error) {
	a := s.Accounts[sc.ID]
	if a.Organization == nil {
		return nil, fmt.Errorf("GET %s/access/organizations/doh: 404: %w", sc.Prefix(), schema.ErrNotFound)
	}
	if a.DoH == nil {
		return schema.Object{}, nil
	}
	return a.DoH, nil
}
