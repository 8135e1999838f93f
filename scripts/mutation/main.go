package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// gremlinsVersion is the pinned gremlins release.
const gremlinsVersion = "v0.6.0"

// defaultScope lists, per package, the files mutated unless -all is given:
// the decision logic (planning, plan-file checks, applying, retries and
// redaction, the loader's checks and fast path). Other files of these
// packages are presentation, I/O plumbing or owned by tests elsewhere, and
// a package's whole test suite per mutant makes them costly (the loader's
// runs CUE). A package not listed is mutated whole.
var defaultScope = map[string][]string{
	"planner": {"build.go", "compare.go", "equal.go", "plan.go", "planfile.go"},
	"applier": {"apply.go", "compare.go", "stale.go", "write.go"},
	"cfapi":   {"client.go", "errors.go"},
	"loader":  {"check.go", "fast.go"},
}

//go:embed equivalent.txt
var equivalentList string

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(1)
	}
}

// counts are one kind of mutants of one package.
type counts struct {
	Caught, Lived, TimedOut, NotViable, NotCovered, Equivalent int
	Survivors                                                  []string
}

func (c counts) score() (float64, bool) {
	n := c.Caught + c.TimedOut + c.Lived
	if n == 0 {
		return 0, false
	}
	return 100 * float64(c.Caught+c.TimedOut) / float64(n), true
}

func (c *counts) add(o counts) {
	c.Caught += o.Caught
	c.Lived += o.Lived
	c.TimedOut += o.TimedOut
	c.NotViable += o.NotViable
	c.NotCovered += o.NotCovered
	c.Equivalent += o.Equivalent
	c.Survivors = append(c.Survivors, o.Survivors...)
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mutation", flag.ContinueOnError)
	fs.SetOutput(stderr)
	minScore := fs.Float64("min", 95, "fail when a package scores under this percentage")
	coef := fs.Int("timeout-coefficient", 30, "gremlins' per-mutant timeout, as a multiple of the coverage run's time")
	timeout := fs.Duration("timeout", 3*time.Minute, "go test -timeout for each branch mutant")
	noGremlins := fs.Bool("no-gremlins", false, "skip gremlins' operator mutants")
	noBranches := fs.Bool("no-branches", false, "skip the branch mutants")
	all := fs.Bool("all", false, "mutate every file of each package, not only its default scope")
	match := fs.String("match", "", "test only the branch mutants whose FILE:LINE KIND: text matches this `REGEXP` (re-checking survivors)")
	runTests := fs.String("run", "", "run only the tests matching this `REGEXP` against each branch mutant (go test -run), to see quickly whether a new test kills a survivor; the score is the whole suite's, so do not report a score measured with it")
	workers := fs.Int("workers", 1, "mutants tested at once, by gremlins and of the branch mutants")
	concurrent := fs.Bool("concurrent", false, "run gremlins alongside the branch mutants instead of before them")
	short := fs.Bool("short", true, "run each mutant's tests with -short (see the package documentation: only tests about scale skip); -short=false for the whole suite")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./scripts/mutation [flags] PACKAGE_DIR...   (e.g. planner applier cfapi loader)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	pkgs := fs.Args()
	if len(pkgs) == 0 {
		fs.Usage()
		return errors.New("no package given")
	}
	root, err := gitRoot()
	if err != nil {
		return err
	}
	equiv, err := parseEquivalent(equivalentList)
	if err != nil {
		return err
	}
	var only *regexp.Regexp
	if *match != "" {
		if only, err = regexp.Compile(*match); err != nil {
			return fmt.Errorf("-match: %w", err)
		}
	}
	var bin string
	if !*noGremlins {
		if bin, err = installGremlins(stderr); err != nil {
			return err
		}
	}
	type row struct {
		pkg           string
		files         string
		ops, branches counts
		total         counts
	}
	var rows []row
	failed := false
	for _, pkg := range pkgs {
		pkg = filepath.ToSlash(filepath.Clean(pkg))
		r := row{pkg: pkg}
		var scope []string
		if !*all {
			scope = defaultScope[pkg]
		}
		r.files = "all files"
		if len(scope) > 0 {
			r.files = strings.Join(scope, " ")
		}
		var gremlinsErr error
		gremlinsDone := make(chan struct{})
		runOps := func() {
			defer close(gremlinsDone)
			if *noGremlins {
				return
			}
			fmt.Fprintf(stderr, "== %s: gremlins %s\n", pkg, gremlinsVersion)
			if r.ops, gremlinsErr = runGremlins(bin, root, pkg, scope, *coef, max(*workers, 1), equiv, stderr); gremlinsErr != nil {
				gremlinsErr = fmt.Errorf("%s: gremlins: %w", pkg, gremlinsErr)
			}
		}
		if *concurrent {
			go runOps()
		} else {
			runOps()
		}
		if !*noBranches {
			fmt.Fprintf(stderr, "== %s: branch mutants\n", pkg)
			opts := testOptions{timeout: *timeout, run: *runTests, short: *short}
			if r.branches, err = runBranches(root, pkg, scope, only, opts, max(*workers, 1), equiv, stderr); err != nil {
				return fmt.Errorf("%s: branch mutants: %w", pkg, err)
			}
		}
		<-gremlinsDone
		if gremlinsErr != nil {
			return gremlinsErr
		}
		r.total.add(r.ops)
		r.total.add(r.branches)
		rows = append(rows, r)
		if s, ok := r.total.score(); ok && s < *minScore {
			failed = true
		}
	}

	fmt.Fprintf(stdout, "\n%-10s %-28s %-28s %s\n", "package", "operators (gremlins)", "branches", "score")
	for _, r := range rows {
		cell := func(c counts) string {
			s, ok := c.score()
			if !ok {
				return "-"
			}
			return fmt.Sprintf("%d/%d %.1f%%", c.Caught+c.TimedOut, c.Caught+c.TimedOut+c.Lived, s)
		}
		s, _ := r.total.score()
		fmt.Fprintf(stdout, "%-10s %-28s %-28s %.1f%%\n", r.pkg, cell(r.ops), cell(r.branches), s)
	}
	for _, r := range rows {
		t := r.total
		fmt.Fprintf(stdout, "\n%s (%s): caught %d (timed out %d), lived %d; not counted: not viable %d, not covered %d, equivalent %d\n",
			r.pkg, r.files, t.Caught+t.TimedOut, t.TimedOut, t.Lived, t.NotViable, t.NotCovered, t.Equivalent)
		for _, s := range t.Survivors {
			fmt.Fprintf(stdout, "  LIVED %s\n", s)
		}
	}
	if failed {
		return fmt.Errorf("a package scores under %.0f%%", *minScore)
	}
	return nil
}

func gitRoot() (string, error) {
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("run inside the repository: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// installGremlins installs the pinned gremlins into the user cache (once)
// and returns its path.
func installGremlins(log io.Writer) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "ztsync-mutation", "gremlins-"+gremlinsVersion)
	bin := filepath.Join(dir, "gremlins")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(log, "installing gremlins %s into %s\n", gremlinsVersion, dir)
	cmd := exec.Command("go", "install", "github.com/go-gremlins/gremlins/cmd/gremlins@"+gremlinsVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install gremlins: %w", err)
	}
	return bin, nil
}

// scratchCopy copies the files git tracks, as they are in the work tree,
// to a new temporary directory.
func scratchCopy(root string) (string, error) {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		return "", err
	}
	dst, err := os.MkdirTemp("", "ztsync-mutation-")
	if err != nil {
		return "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			return "", err
		}
		p := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return "", err
		}
	}
	return dst, nil
}

// subdirs lists the directories below dir that hold Go files: other
// packages, excluded from dir's run.
func subdirs(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == dir {
			return nil
		}
		if m, _ := filepath.Glob(filepath.Join(p, "*.go")); len(m) > 0 {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// gremlinsReport is the part of gremlins' JSON output read here.
type gremlinsReport struct {
	Files []struct {
		FileName  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

// runGremlins runs gremlins on one package directory in a scratch copy,
// one mutant at a time.
func runGremlins(bin, root, pkg string, scope []string, coef, workers int, equiv equivalents, log io.Writer) (counts, error) {
	var c counts
	scratch, err := scratchCopy(root)
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(scratch)
	out := filepath.Join(scratch, "gremlins.json")
	args := []string{"unleash", "--workers", fmt.Sprint(workers), "--invert-logical", "--invert-loopctrl",
		"--timeout-coefficient", fmt.Sprint(coef), "-o", out}
	for _, s := range subdirs(filepath.Join(scratch, pkg)) {
		args = append(args, "-E", "^"+s+"/")
	}
	if len(scope) > 0 {
		files, _ := filepath.Glob(filepath.Join(scratch, pkg, "*.go"))
		for _, f := range files {
			if base := filepath.Base(f); !slices.Contains(scope, base) && !strings.HasSuffix(base, "_test.go") {
				args = append(args, "-E", "^"+regexp.QuoteMeta(base)+"$")
			}
		}
	}
	args = append(args, "./"+pkg)
	cmd := exec.Command(bin, args...)
	cmd.Dir = scratch
	// gremlins' coverage run has go test's default 10-minute timeout,
	// which a slow package on a busy machine exceeds; its mutants' runs
	// set their own -timeout, which wins over GOFLAGS.
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -timeout=2h"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return c, err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return c, err
	}
	var rep gremlinsReport
	if err := json.Unmarshal(b, &rep); err != nil {
		return c, fmt.Errorf("read gremlins output: %w", err)
	}
	for _, f := range rep.Files {
		file := pkg + "/" + f.FileName
		src, _ := os.ReadFile(filepath.Join(root, file))
		lines := strings.Split(string(src), "\n")
		for _, m := range f.Mutations {
			text := ""
			if m.Line >= 1 && m.Line <= len(lines) {
				text = strings.TrimSpace(lines[m.Line-1])
			}
			name := fmt.Sprintf("%s:%d:%d %s: %s", file, m.Line, m.Column, m.Type, text)
			switch m.Status {
			case "KILLED":
				c.Caught++
			case "TIMED OUT":
				c.TimedOut++
			case "NOT VIABLE":
				c.NotViable++
			case "NOT COVERED":
				c.NotCovered++
			case "LIVED":
				if equiv.has(file, m.Type, text) {
					c.Equivalent++
				} else {
					c.Lived++
					c.Survivors = append(c.Survivors, name)
				}
			}
		}
	}
	return c, nil
}

// runBranches tests each branch mutant of one package with go test
// -overlay: the work tree is never changed.
func runBranches(root, pkg string, scope []string, only *regexp.Regexp, opts testOptions, workers int, equiv equivalents, log io.Writer) (counts, error) {
	var c counts
	all, err := branchMutants(root, pkg)
	if err != nil {
		return c, err
	}
	var ms []mutant
	for _, m := range all {
		if (len(scope) == 0 || slices.Contains(scope, filepath.Base(m.File))) && (only == nil || only.MatchString(m.String())) {
			ms = append(ms, m)
		}
	}
	tmp, err := os.MkdirTemp("", "ztsync-branch-")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(tmp)
	// Each worker lays its mutant over the file from a directory of its
	// own; results are kept by index and counted in order.
	status := make([]string, len(ms))
	var g errgroup.Group
	g.SetLimit(workers)
	var mu sync.Mutex
	for i, m := range ms {
		if equiv.hasIn(m.File, m.Kind, m.Text, m.Func, m.Nth) {
			status[i] = "EQUIVALENT"
			fmt.Fprintf(log, "[%d/%d] %-11s %s\n", i+1, len(ms), status[i], m)
			continue
		}
		g.Go(func() error {
			dir := filepath.Join(tmp, fmt.Sprint(i))
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			st, err := testMutant(root, pkg, dir, m, opts)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			status[i] = st
			fmt.Fprintf(log, "[%d/%d] %-11s %s\n", i+1, len(ms), st, m)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return c, err
	}
	for i, m := range ms {
		switch status[i] {
		case "EQUIVALENT":
			c.Equivalent++
		case "KILLED":
			c.Caught++
		case "TIMED OUT":
			c.TimedOut++
		case "NOT VIABLE":
			c.NotViable++
		case "LIVED":
			c.Lived++
			c.Survivors = append(c.Survivors, m.String())
		}
	}
	return c, nil
}

// testOptions are the go test flags of each branch mutant's run.
type testOptions struct {
	timeout time.Duration
	run     string // -run, when set
	short   bool   // -short
}

// testMutant runs the package's tests with the mutant laid over its file.
func testMutant(root, pkg, tmp string, m mutant, opts testOptions) (string, error) {
	timeout := opts.timeout
	src := filepath.Join(tmp, "mutant.go")
	if err := os.WriteFile(src, m.Src, 0o644); err != nil {
		return "", err
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, m.File): src}})
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", err
	}
	// The context bounds a test binary that ignores -timeout (a deadlock
	// in TestMain); go test's own -timeout reports the usual hang.
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	args := []string{"test", "-count=1", "-failfast", "-vet=off", "-timeout", timeout.String(), "-overlay", ov}
	if opts.run != "" {
		args = append(args, "-run", opts.run)
	}
	if opts.short {
		args = append(args, "-short")
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./"+pkg)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	switch {
	case err == nil:
		return "LIVED", nil
	case ctx.Err() != nil || strings.Contains(string(out), "panic: test timed out"):
		return "TIMED OUT", nil
	case strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]"):
		return "NOT VIABLE", nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return "", err
	}
	return "KILLED", nil
}

// equivalents are mutants known not to change behaviour, keyed by file,
// kind and the trimmed source line, and for a branch mutant optionally
// by the function it is in and its ordinal there.
type equivalents map[string]bool

func (e equivalents) has(file, kind, text string) bool { return e[file+"|"+kind+"|"+text] }

// hasIn is has, or the entry that names the function fn and the ordinal n.
func (e equivalents) hasIn(file, kind, text, fn string, n int) bool {
	return e.has(file, kind, text) || e[fmt.Sprintf("%s|%s|%s|%s %d", file, kind, text, fn, n)]
}

// parseEquivalent reads equivalent.txt: "file | KIND | source line # reason"
// per line, or "file | KIND | source line | FUNC N # reason" for the N-th
// such branch mutant in function FUNC ("name" or "Type.name"); blank lines
// and lines starting with # are skipped.
func parseEquivalent(s string) (equivalents, error) {
	e := equivalents{}
	sc := bufio.NewScanner(strings.NewReader(s))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		body, reason, ok := strings.Cut(line, " # ")
		parts := strings.Split(body, " | ")
		if !ok || strings.TrimSpace(reason) == "" || len(parts) < 3 || len(parts) > 4 {
			return nil, fmt.Errorf("equivalent.txt:%d: want \"file | KIND | source line [| FUNC N] # reason\"", n)
		}
		key := strings.TrimSpace(parts[0]) + "|" + strings.TrimSpace(parts[1]) + "|" + strings.TrimSpace(parts[2])
		if len(parts) == 4 {
			var fn string
			var nth int
			if _, err := fmt.Sscanf(strings.TrimSpace(parts[3]), "%s %d", &fn, &nth); err != nil || nth < 1 {
				return nil, fmt.Errorf("equivalent.txt:%d: want \"FUNC N\" (a function and an ordinal from 1) after the source line", n)
			}
			key += fmt.Sprintf("|%s %d", fn, nth)
		}
		e[key] = true
	}
	return e, nil
}
