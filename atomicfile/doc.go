// Package atomicfile writes a file so that readers see the old contents or
// the new, never half a file: through a temporary file in the same
// directory, synced, then renamed over the target. The plan file, the
// applied-once record and the emulator's state file are written this way.
package atomicfile
