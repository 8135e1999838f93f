package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ztsync/ztsync"

// TestLayout keeps DESIGN.md §1's dependency direction: each package may
// import only the project packages listed for it (arrows point down),
// nothing imports cmd/, and the pure planner and the schema leaf stay free
// of I/O packages.
func TestLayout(t *testing.T) {
	allowed := map[string][]string{
		"schema":                     {},
		"loader":                     {"schema"},
		"bench/gentree":              {"schema"},
		"planner":                    {"schema"},
		"planner/render":             {"planner", "schema"},
		"applier":                    {"planner", "schema"},
		"ghclient":                   {},
		"ghclient/githubtest":        {},
		"pipeline":                   {"schema", "loader", "planner", "applier", "cfapi", "cfapi/emulator"},
		"ghaction":                   {"schema", "loader", "planner", "planner/render", "applier", "cfapi", "ghclient", "pipeline"},
		"cfapi":                      {"schema"},
		"cfapi/emulator":             {"schema"},
		"cfapi/emulator/conformance": {},
		"export":                     {"schema"},
		"bench":                      {"schema", "loader", "planner", "applier", "cfapi", "cfapi/emulator", "bench/gentree"},
		"bench/cmd/gentree":          {"bench"},
		"bench/cmd/validate-rss":     {"loader"},
		// main only wires flags and the process to packages.
		"cmd/ztsync":       {"schema", "loader", "planner", "planner/render", "applier", "cfapi", "cfapi/emulator", "export", "pipeline", "ghaction"},
		"scripts/mutation": {},
	}
	forbidden := map[string][]string{
		"schema":  {"os", "net/http", "os/exec"},
		"planner": {"os", "net/http", "os/exec"},
		// The Action's flow lives in ghaction, the GitHub API in ghclient.
		"cmd/ztsync": {"github.com/sethvargo/go-githubactions", "github.com/google/go-github/v75/github"},
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %s is not in the layout table: add it with the imports it may use", pkg)
			continue
		}
		seen++
		for _, imp := range fields[1:] {
			if slices.Contains(forbidden[pkg], imp) {
				t.Errorf("%s imports %s; it must do no I/O of its own", pkg, imp)
			}
			rel, project := strings.CutPrefix(imp, module+"/")
			if !project {
				continue
			}
			if strings.HasPrefix(rel, "cmd/") {
				t.Errorf("%s imports %s: nothing imports cmd/", pkg, imp)
			}
			if ok != nil && !slices.Contains(ok, rel) {
				t.Errorf("%s imports %s; it may import only %v (DESIGN.md §1)", pkg, rel, ok)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list returned only %d packages:\n%s", seen, out)
	}
}

// TestOnlyMainTouchesTheProcess: below main, nothing reads the environment
// or the arguments or writes the process's streams; they come in as
// arguments (STYLE.md item 1).
func TestOnlyMainTouchesTheProcess(t *testing.T) {
	banned := regexp.MustCompile(`\bos\.(Getenv|LookupEnv|Environ|Args|Stdout|Stderr|Stdin|Exit)\b`)
	mainPkg := regexp.MustCompile(`(?m)^package main$`)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if mainPkg.Match(b) {
			return nil
		}
		for i, line := range strings.Split(string(b), "\n") {
			if banned.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				rel, _ := filepath.Rel(root, p)
				t.Errorf("%s:%d: %s (only package main may touch the process)", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
}
