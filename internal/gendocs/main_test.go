package main

import (
	"bytes"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/ztsync/ztsync/schema"
)

// TestConfigurationDocUpToDate fails when docs/configuration.md and
// schema/schema.cue drift apart.
func TestConfigurationDocUpToDate(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(schema.CUEFiles(), "schema.cue")
	if err != nil {
		t.Fatal(err)
	}
	want, err := configurationDoc(src)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../../" + outPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("%s is out of date with schema/schema.cue; regenerate it from the repository root with:\n\tgo run ./internal/gendocs", outPath)
	}
}

// TestConfigurationDocFollowsSchema: a definition or field added to the
// schema appears in the reference, so the drift test above has teeth.
func TestConfigurationDocFollowsSchema(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(schema.CUEFiles(), "schema.cue")
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "#LoginDesign: {\n", "#LoginDesign: {\n\t// The page's favicon.\n\tfavicon_path?: #URL\n", 1)
	changed += "\n// #Extra is new.\n#Extra: string\n"
	doc, err := configurationDoc([]byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| `favicon_path` | optional | `#URL` | The page's favicon. |", "## #Extra", "#Extra is new.", "Constraint: `string`"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("generated reference lacks %q", want)
		}
	}
	for _, want := range []string{"## #AccountOrganization", "Includes every field of [#ZoneOrganization](#zoneorganization).", "| `id` | **required** | `#ID` |"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("generated reference lacks %q", want)
		}
	}
}
