package main

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/ztsync/ztsync"

// TestLayout keeps the dependency direction of docs/architecture.md: each package may
// import only the project packages listed for it (arrows point down),
// nothing imports cmd/, and the pure planner and the schema leaf stay free
// of I/O packages.
func TestLayout(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{
		"schema":                     {},
		"loader":                     {"schema"},
		"bench/gentree":              {"schema"},
		"planner":                    {"schema"},
		"planner/render":             {"planner", "schema", "safetext"},
		"applier":                    {"planner", "schema", "filelock", "atomicfile"},
		"ghclient":                   {"safetext"},
		"ghclient/githubtest":        {},
		"internal/gendocs":           {"schema", "planner/render"},
		"pipeline":                   {"schema", "loader", "planner", "applier", "cfapi", "cfapi/emulator", "filelock", "safetext"},
		"filelock":                   {},
		"atomicfile":                 {},
		"safetext":                   {},
		"ghaction":                   {"schema", "loader", "planner", "planner/render", "applier", "cfapi", "ghclient", "pipeline", "safetext"},
		"cfapi":                      {"schema", "safetext"},
		"cfapi/emulator":             {"schema", "atomicfile"},
		"cfapi/emulator/conformance": {},
		"export":                     {"schema", "safetext"},
		"bench":                      {"schema", "loader", "planner", "applier", "cfapi", "cfapi/emulator", "bench/gentree"},
		"bench/cmd/gentree":          {"bench"},
		"bench/cmd/validate-rss":     {"loader"},
		"bench/cmd/firstreq":         {},
		// main only wires flags and the process to packages.
		"cmd/ztsync":       {"schema", "loader", "planner", "planner/render", "applier", "cfapi", "cfapi/emulator", "export", "pipeline", "ghaction", "safetext", "atomicfile"},
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
				t.Errorf("%s imports %s; it may import only %v (docs/architecture.md)", pkg, rel, ok)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("go list returned only %d packages:\n%s", seen, out)
	}
}

// TestOnlyMainTouchesTheProcess: nothing reads the environment or the
// arguments, writes the process's streams or exits, except func main's
// own file (main.go of a main package); everything else gets them as
// arguments (docs/architecture.md). That holds inside cmd/ztsync too: run.go,
// plan.go and the rest take an env, so tests drive them without a process.
// The check reads the syntax tree, so a renamed import or a use inside a
// string or comment is judged for what it is.
func TestOnlyMainTouchesTheProcess(t *testing.T) {
	t.Parallel()
	banned := map[string]bool{"Getenv": true, "LookupEnv": true, "Environ": true, "Args": true,
		"Stdout": true, "Stderr": true, "Stdin": true, "Exit": true}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked, inMain := 0, 0
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
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		osName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"os"` {
				osName = "os"
				if imp.Name != nil {
					osName = imp.Name.Name
				}
			}
		}
		if osName == "" {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		allowed := f.Name.Name == "main" && filepath.Base(p) == "main.go"
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !banned[sel.Sel.Name] {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != osName {
				return true
			}
			if allowed {
				if filepath.ToSlash(rel) == "cmd/ztsync/main.go" {
					inMain++
				}
				return true
			}
			t.Errorf("%s: os.%s (only func main's file, main.go, may touch the process)", fset.Position(sel.Pos()), sel.Sel.Name)
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 || inMain == 0 {
		t.Fatalf("checked only %d files under %s, %d uses in cmd/ztsync/main.go: the check is not looking", checked, root, inMain)
	}
}
