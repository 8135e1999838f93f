package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestReleaseConfig: .goreleaser.yaml builds this command for linux, darwin
// and windows on amd64 and arm64 with the version stamped into main.version,
// archives named as action.yml downloads them, and SHA-256 checksums. (CI's
// .ci/goreleaser.sh runs `goreleaser check` and a snapshot release.)
func TestReleaseConfig(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int `yaml:"version"`
		Builds  []struct {
			Main    string   `yaml:"main"`
			Binary  string   `yaml:"binary"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
			Ldflags []string `yaml:"ldflags"`
			Env     []string `yaml:"env"`
		} `yaml:"builds"`
		Archives []struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
			Algorithm    string `yaml:"algorithm"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 2 || len(cfg.Builds) != 1 || len(cfg.Archives) != 1 {
		t.Fatalf("want a version 2 config with one build and one archive: %+v", cfg)
	}
	b := cfg.Builds[0]
	if b.Main != "./cmd/ztsync" || b.Binary != "ztsync" {
		t.Errorf("build main %q binary %q, want ./cmd/ztsync and ztsync", b.Main, b.Binary)
	}
	for _, os := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, os) {
			t.Errorf("goos lacks %s: %v", os, b.Goos)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, arch) {
			t.Errorf("goarch lacks %s: %v", arch, b.Goarch)
		}
	}
	for _, stamp := range []string{"-X main.version=v{{ .Version }}", "-X main.commit={{ .FullCommit }}"} {
		if !slices.ContainsFunc(b.Ldflags, func(s string) bool { return strings.Contains(s, stamp) }) {
			t.Errorf("ldflags lack %s: %v", stamp, b.Ldflags)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("the build is not static (CGO_ENABLED=0): %v", b.Env)
	}
	if got := cfg.Archives[0].NameTemplate; got != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archive name %q: action.yml downloads ztsync_VERSION_OS_ARCH", got)
	}
	if cfg.Checksum.NameTemplate != "checksums.txt" || cfg.Checksum.Algorithm != "sha256" {
		t.Errorf("checksums: %+v, want checksums.txt with sha256", cfg.Checksum)
	}
}
