package loader

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/ztsync/ztsync/bench/gentree"
)

// batchLoader returns a Loader that evaluates in batches of size scopes
// (instead of thousands), so that small configurations take that path.
func batchLoader(t testing.TB, size int) *Loader {
	t.Helper()
	l := newLoader(t)
	l.batchScopes = size
	return l
}

// batched reports whether the files are evaluated in batches by l.
func batched(t testing.TB, l *Loader, files []srcFile) bool {
	t.Helper()
	pf, _, _, err := l.parse(files)
	if err != nil {
		return false
	}
	plan := planBatches(pf, l.batchSize())
	return plan != nil && l.evaluateBatches(pf, plan) != nil
}

// manyFiles splits text into files at lines "-- NAME --" (the first is
// a.cue). A name seen before gets a suffix: paths in a directory differ.
func manyFiles(src string) []srcFile {
	ar := txtar.Parse([]byte("-- a.cue --\n" + src))
	var files []srcFile
	seen := map[string]bool{}
	for i, f := range ar.Files {
		name := f.Name
		if seen[name] {
			name = fmt.Sprintf("%s.%d", name, i)
		}
		seen[name] = true
		files = append(files, srcFile{rel: name, name: filepath.Join("cfg", name), data: f.Data})
	}
	return files
}

const (
	id1 = `"699d98642c564d2e855e9661899b7252"`
	id2 = `"799d98642c564d2e855e9661899b7252"`
	id3 = `"899d98642c564d2e855e9661899b7252"`
)

// batchCases are configurations of several files with a verdict on
// batching: whether planBatches lets them be evaluated in batches.
var batchCases = []struct {
	name  string
	src   string
	batch bool
}{
	{"one scope per file", "zones: \"a.com\": id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", true},
	{"a definition shared", "#Z: {id: string, organization: name: *\"x\" | string}\n-- b.cue --\nzones: \"a.com\": #Z & {id: " + id1 + "}\n-- c.cue --\nzones: \"b.com\": #Z & {id: " + id2 + ", organization: name: \"y\"}\n", true},
	{"a definition and scopes in one file", "#Z: {organization: name: *\"x\" | string, ...}\nzones: \"a.com\": #Z & {id: " + id1 + "}\n-- b.cue --\nzones: \"b.com\": #Z & {id: " + id2 + "}\nzones: \"c.com\": #Z & {id: " + id3 + "}\n", true},
	{"a scope in two files", "zones: \"a.com\": id: " + id1 + "\nzones: \"b.com\": id: " + id2 + "\n-- b.cue --\nzones: \"c.com\": id: " + id3 + "\n-- c.cue --\nzones: \"a.com\": organization: name: \"x\"\n", true},
	{"a scope in two files, conflicting", "zones: \"a.com\": id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n-- c.cue --\nzones: \"a.com\": id: " + id3 + "\n", true},
	{"a pattern for every zone", "zones: [string]: organization: name: *\"x\" | string\n-- b.cue --\nzones: \"a.com\": id: " + id1 + "\n-- c.cue --\nzones: \"b.com\": {id: " + id2 + ", organization: name: \"y\"}\n", true},
	{"a pattern with a bad field", "zones: [string]: bogus: 1\n-- b.cue --\nzones: \"a.com\": id: " + id1 + "\n-- c.cue --\nzones: \"b.com\": id: " + id2 + "\n", true},
	{"duplicate ids across batches", "accounts: a: id: " + id1 + "\n-- b.cue --\naccounts: b: id: " + id2 + "\n-- c.cue --\naccounts: c: id: " + id1 + "\n", true},
	{"a refused value in each batch", "zones: \"a.com\": {id: " + id1 + ", organization: session_duration: \"1d\"}\n-- b.cue --\nzones: \"b.com\": {id: " + id2 + ", organization: auth_domain: \"-x\"}\n", true},
	{"a let and a hidden field shared", "let n = \"x\"\n_d: \"8h\"\n-- b.cue --\naccounts: a: {id: " + id1 + ", organization: {name: n, session_duration: _d}}\n-- c.cue --\naccounts: b: {id: " + id2 + ", organization: session_duration: \"bad\"}\n", true},
	{"a conflict inside a scope", "accounts: a: {id: " + id1 + ", organization: name: \"x\"}\n-- b.cue --\naccounts: b: id: " + id2 + "\n-- c.cue --\naccounts: a: organization: name: \"y\"\n", true},
	{"an unknown top-level field", "x: 1\n-- b.cue --\naccounts: a: id: " + id1 + "\n-- c.cue --\naccounts: b: id: " + id2 + "\n", true},
	{"the schema imported by a scope", "import \"github.com/ztsync/ztsync/schema\"\nzones: \"a.com\": schema.#Zone & {id: " + id1 + "}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", true},
	{"an import used by a scope of a file with shared declarations", "import \"strings\"\n#X: 1\nzones: \"a.com\": {id: " + id1 + ", organization: name: strings.ToUpper(\"x\")}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", true},
	{"a reference to zones", "zones: \"a.com\": {id: " + id1 + ", organization: name: \"x\"}\n-- b.cue --\nzones: \"b.com\": {id: " + id2 + ", organization: zones.\"a.com\".organization}\n", false},
	{"a reference to accounts", "accounts: a: {id: " + id1 + "}\n-- b.cue --\naccounts: b: {id: " + id2 + ", organization: name: accounts.a.id}\n", false},
	{"a scope named by reference", "accounts: prod: {id: " + id1 + ", organization: name: \"x\"}\n-- b.cue --\naccounts: b: {id: " + id2 + "}\naccounts: b: organization: prod.organization\n", false},
	{"self", "zones: {\"a.com\": {id: " + id1 + "}, \"b.com\": {id: " + id2 + "}}\n-- b.cue --\nzones: \"c.com\": {id: " + id3 + "}\n", true},
	{"self in a scope", "zones: {\"a.com\": {id: " + id1 + "}, \"b.com\": {id: self.\"a.com\".id}}\n-- b.cue --\nzones: \"c.com\": {id: " + id3 + "}\n", false},
	{"an embedding at the top", "{zones: \"a.com\": id: " + id1 + "}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"a comprehension at the top", "for i in [1, 2] {\n\tzones: \"z\\(i).example.com\": id: \"\\(i)99d98642c564d2e855e9661899b7252\"\n}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"a pattern at the top", "[string]: {}\n-- b.cue --\nzones: \"a.com\": id: " + id1 + "\n-- c.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"an optional scope", "zones: \"a.com\"?: id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"optional zones", "zones?: \"a.com\": id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"zones from a definition", "#Z: \"a.com\": id: " + id1 + "\nzones: #Z\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"a pattern and a scope in one struct", "zones: {[string]: {}, \"a.com\": id: " + id1 + "}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"an alias", "zones: Z=\"a.com\": id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"a dynamic label", "(\"zones\"): \"a.com\": id: " + id1 + "\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"struct.MaxFields on zones", "import \"struct\"\nzones: struct.MaxFields(1)\n-- b.cue --\nzones: \"a.com\": id: " + id1 + "\n-- c.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
	{"a scope from a comprehension in zones", "zones: {for i in [1] {\"z\\(i).com\": id: " + id1 + "}}\n-- b.cue --\nzones: \"b.com\": id: " + id2 + "\n", false},
}

// TestBatchPlan: batching is taken exactly when no expression can see the
// set of scopes, and the batched load agrees with the whole one (fast path
// off) on every case, valid or not.
func TestBatchPlan(t *testing.T) {
	l := batchLoader(t, 1)
	for _, c := range batchCases {
		t.Run(c.name, func(t *testing.T) {
			files := manyFiles(c.src)
			pf, _, _, err := l.parse(files)
			if err != nil {
				t.Fatal(err)
			}
			if got := planBatches(pf, 1) != nil; got != c.batch {
				t.Fatalf("planBatches: batched %t, want %t", got, c.batch)
			}
			agree(t, l, files)
		})
	}
}

// otherScope is a file with one more account, for a second batch.
var otherScope = srcFile{rel: "zz-other.cue", name: filepath.Join("cfg", "zz-other.cue"),
	data: []byte("accounts: \"other-1\": id: " + id3 + "\n")}

// TestBatchesAgreeGolden: every golden case, every whole configuration of
// the fast path's tests and some of its placed values, each next to a file
// with one more scope, loads the same in batches of one scope as whole.
func TestBatchesAgreeGolden(t *testing.T) {
	l := batchLoader(t, 1)
	n := 0
	forEachGolden(t, func(t *testing.T, _ string, _ *txtar.Archive) {
		files, problems, err := readDisk("cfg", l.limits)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) > 0 {
			return
		}
		files = append(files, otherScope)
		if batched(t, l, files) {
			n++
		}
		agree(t, l, files)
	})
	golden := n
	var srcs []string
	srcs = append(srcs, wholeConfigs()...)
	for i, src := range placedValues() {
		if i%50 == 0 { // one in 50: TestFastPathAgreesEverywhere tries them all
			srcs = append(srcs, src)
		}
	}
	for i, src := range srcs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			files := manyFiles(src + "\n-- other.cue --\naccounts: \"other-1\": id: " + id3 + "\n")
			if batched(t, l, files) {
				n++
			}
			agree(t, l, files)
		})
	}
	t.Logf("%d golden cases and %d others of %d evaluated in batches", golden, n-golden, len(srcs))
	if golden < 10 || n-golden < len(srcs)/2 {
		t.Errorf("only %d golden cases and %d others were evaluated in batches", golden, n-golden)
	}
}

// TestBatchesGeneratedTrees: generated trees, plain and templated, valid
// and with broken scopes, load in batches as whole: the same configuration,
// or every problem at its FILE:LINE:COL.
func TestBatchesGeneratedTrees(t *testing.T) {
	l := batchLoader(t, 7)
	for _, templated := range []bool{false, true} {
		for _, invalid := range []int{0, 1, 3} {
			f := gentree.Fleet{Accounts: 12, Zones: 30, Files: 5, Templated: templated, Invalid: invalid}
			t.Run(fmt.Sprintf("templated=%t/invalid=%d", templated, invalid), func(t *testing.T) {
				files := fleetFiles(f)
				if !batched(t, l, files) {
					t.Fatal("not evaluated in batches")
				}
				agree(t, l, files)
				res, err := l.load(files)
				if invalid == 0 {
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(f.Config(), res.Config); diff != "" {
						t.Fatalf("loaded config differs (-want +got):\n%s", diff)
					}
					for _, name := range []string{gentree.AccountName(3), gentree.AccountName(11)} {
						if p := res.Position("accounts", name, "id"); !strings.Contains(p, ".cue:") {
							t.Errorf("Position(accounts, %s, id) = %q", name, p)
						}
					}
					return
				}
				checkFaults(t, err, f)
			})
		}
	}
}

// FuzzBatchesAgree: any text, as files split at lines "-- NAME --", loads
// the same in batches of one scope as whole, both with the fast path (the
// fast path's own agreement with the full path is FuzzFastPathAgrees').
func FuzzBatchesAgree(f *testing.F) {
	for _, c := range batchCases {
		f.Add(c.src)
	}
	for _, s := range wholeConfigs() {
		f.Add(s + "\n-- other.cue --\naccounts: \"other-1\": id: " + id3 + "\n")
	}
	fl := gentree.Fleet{Accounts: 2, Zones: 4, Files: 2, Templated: true, Invalid: 1}
	tree := fl.Tree()
	var b strings.Builder
	for i, name := range slices.Sorted(maps.Keys(tree)) {
		if i > 0 {
			fmt.Fprintf(&b, "-- %s --\n", name)
		}
		b.Write(tree[name])
	}
	f.Add(b.String())
	var batched, whole *Loader
	n := 0
	f.Fuzz(func(t *testing.T, src string) {
		if n%100 == 0 {
			batched, whole = batchLoader(t, 1), batchLoader(t, 1<<30)
		}
		n++
		files := manyFiles(src)
		wantRes, wantErr := whole.loadVia(files, false)
		res, err := batched.loadVia(files, false)
		if diff := cmp.Diff(describeOutcome(wantRes, wantErr), describeOutcome(res, err)); diff != "" {
			t.Fatalf("in batches, the load differs (-whole +batches):\n%s", diff)
		}
	})
}

// TestBatchesAtDefaultSize: a generated tree just past the default batch
// size is loaded in batches by a Loader as New makes it, with the
// configuration the generator declares.
func TestBatchesAtDefaultSize(t *testing.T) {
	l := newLoader(t)
	f := gentree.Fleet{Accounts: batchScopes / 4, Zones: batchScopes, Files: batchScopes / 10, Templated: true}
	files := fleetFiles(f)
	if !batched(t, l, files) {
		t.Fatalf("%d scopes are not evaluated in batches", f.Scopes())
	}
	res, err := l.load(files)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.Config(), res.Config); diff != "" {
		t.Fatalf("loaded config differs (-want +got):\n%s", diff)
	}
}

// TestBatchesKeepSharedCostDown: declarations every batch evaluates again
// make batches larger, so that all batches together evaluate them about
// as much as the configuration itself.
func TestBatchesKeepSharedCostDown(t *testing.T) {
	l := batchLoader(t, 1)
	src := "#Note: \"" + strings.Repeat("x", 3000) + "\"\n"
	for i := range 4 {
		src += fmt.Sprintf("-- z%d.cue --\nzones: \"z%d.com\": id: %s\n", i, i, id1)
	}
	pf, _, _, err := l.parse(manyFiles(src))
	if err != nil {
		t.Fatal(err)
	}
	plan := planBatches(pf, 1)
	if plan == nil || plan.batches != 2 {
		t.Fatalf("plan = %+v, want 2 batches of 3 and 1 scopes", plan)
	}
	pf, _, _, err = l.parse(manyFiles("#Note: \"x\"\n" + src[strings.Index(src, "-- z0"):]))
	if err != nil {
		t.Fatal(err)
	}
	if plan := planBatches(pf, 1); plan == nil || plan.batches != 4 {
		t.Fatalf("plan = %+v, want 4 batches of one scope", plan)
	}
}
