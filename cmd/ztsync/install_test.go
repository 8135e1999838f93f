package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	modv "golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// TestGoInstallAtVersion publishes the committed tree (HEAD) as version
// v0.99.1 of github.com/ztsync/ztsync on a file:// module proxy, runs
// `go install github.com/ztsync/ztsync/cmd/ztsync@v0.99.1` from outside
// the module, as a user would, and checks that the installed binary
// reports that version.
func TestGoInstallAtVersion(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary through go install")
	}
	const version = "v0.99.1"
	data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Module.Mod.Path != module {
		t.Fatalf("go.mod declares module %s, want %s", mf.Module.Mod.Path, module)
	}
	if len(mf.Replace) > 0 || len(mf.Exclude) > 0 {
		t.Fatalf("go.mod has replace or exclude directives, which go install pkg@version refuses")
	}

	proxy := t.TempDir()
	dir := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	// The committed tree, as a tag would publish it (git archive works in
	// clones and linked work trees alike).
	tree := t.TempDir()
	archive := exec.Command("sh", "-c", `git -C "$1" archive --format=tar HEAD | tar -x -C "$2"`, "sh", repoRoot, tree)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive HEAD: %v\n%s", err, out)
	}
	if err := zip.CreateFromDir(zf, modVersion(version), tree); err != nil {
		t.Fatalf("zip the module at HEAD: %v", err)
	}
	zf.Close()
	files := map[string]string{
		"list":            version + "\n",
		version + ".info": `{"Version":"` + version + `","Time":"2026-01-01T00:00:00Z"}`,
		version + ".mod":  string(data),
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, name), content)
	}

	gobin := t.TempDir()
	upstream := strings.TrimSpace(goEnv(t, "GOPROXY"))
	cmd := exec.Command("go", "install", module+"/cmd/ztsync@"+version)
	cmd.Dir = t.TempDir() // outside any module
	cmd.Env = append(os.Environ(),
		"GOBIN="+gobin,
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+upstream,
		"GONOSUMDB="+module, "GONOSUMCHECK=1", "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s/cmd/ztsync@%s: %v\n%s", module, version, err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "ztsync"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("ztsync version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "ztsync "+version+" ") {
		t.Errorf("the installed binary says %q, want version %s", out, version)
	}
}

func modVersion(v string) modv.Version { return modv.Version{Path: module, Version: v} }
