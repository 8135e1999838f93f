package schema

import (
	"embed"
	"io/fs"
)

// ModulePath is the CUE module the schema belongs to, and ImportPath the
// import path under which user configuration files may import it.
const (
	ModulePath = "github.com/ztsync/ztsync"
	ImportPath = ModulePath + "/schema"
)

//go:embed *.cue
var cueFiles embed.FS

// CUEFiles returns the embedded CUE schema files (schema.cue, ...) at the
// root of a read-only file system. The loader compiles them; tools that
// want the schema on disk (for `cue vet`) may copy them out.
func CUEFiles() fs.FS { return cueFiles }
