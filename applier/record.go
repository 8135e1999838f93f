package applier

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/ztsync/ztsync/atomicfile"
	"github.com/ztsync/ztsync/filelock"
)

// A plan file is applied once. Its record lives next to it, PLAN.applied
// (RecordPath), and is written before the first write and after each
// change, synced to disk each time, so that even a crash leaves it saying
// what was in flight. The plan file itself is never changed: its bytes,
// checksums and fingerprint stay what was reviewed.

// maxRecordSize bounds what ReadRecord reads.
const maxRecordSize = 16 << 20

// InFlight is the status a record gives a change whose write started and
// whose outcome was never recorded (the process died).
const InFlight Status = "in flight"

// Record is the applied-once record of one plan file.
type Record struct {
	// Plan is "sha256:HEX" of the plan file's bytes: the record belongs to
	// exactly that file, and a new plan written to the same path has none.
	Plan string `json:"plan"`
	// Fingerprint is the plan's fingerprint, for people reading the record.
	Fingerprint string `json:"fingerprint"`
	// StartedAt is when the apply started writing; FinishedAt when it
	// ended (nil: it never ended, the process died).
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	// Changes are the changes begun, in the order they began.
	Changes []RecordedChange `json:"changes"`
}

// RecordedChange is one change's outcome in a Record.
type RecordedChange struct {
	Address string    `json:"address"`
	Status  Status    `json:"status"`
	At      time.Time `json:"at"`
}

// wrote reports whether the record shows a change that may have written:
// anything but skipped, interrupted and refused.
func (r *Record) wrote() bool {
	for _, c := range r.Changes {
		switch c.Status {
		case Skipped, Interrupted, Refused:
		default:
			return true
		}
	}
	return false
}

// AppliedError refuses a plan file that was applied, wholly or partly.
type AppliedError struct {
	// Path is the record's path.
	Path string
	// Record is what it says.
	Record Record
}

// Error says when and what, e.g. "plan.json was already applied at
// 2026-12-01T21:40:00Z (2 applied, 1 in flight when it stopped; see
// plan.json.applied): a plan is applied once; run plan again for what is
// left".
func (e *AppliedError) Error() string {
	counts := map[Status]int{}
	var order []Status
	for _, c := range e.Record.Changes {
		if counts[c.Status] == 0 {
			order = append(order, c.Status)
		}
		counts[c.Status]++
	}
	var parts []string
	for _, s := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
	}
	when := "started at " + e.Record.StartedAt.UTC().Format(time.RFC3339) + " and never finished"
	if f := e.Record.FinishedAt; f != nil {
		when = "applied at " + f.UTC().Format(time.RFC3339)
	}
	plan := strings.TrimSuffix(e.Path, recordSuffix)
	return fmt.Sprintf("%s was already %s (%s; see %s): a plan is applied once; run plan again for what is left",
		plan, when, strings.Join(parts, ", "), e.Path)
}

const recordSuffix = ".applied"

// RecordPath is where the record of the plan file at planPath lives.
func RecordPath(planPath string) string { return planPath + recordSuffix }

// RecordFile is an open, locked record of one plan file.
type RecordFile struct {
	path string
	lock *filelock.Lock
	rec  Record
	now  func() time.Time
}

// OpenRecord locks the record of the plan file at planPath (waiting, with
// one call of waiting, while another apply of it runs; ctx ends the wait),
// then reads it under the lock. When it shows that this plan file (the
// same bytes, planData) was applied, wholly or partly, it returns an
// *AppliedError and holds no lock. A record of other bytes (an older plan
// written to the same path) is ignored and replaced on Start. now is the
// clock; nil means time.Now. Close the RecordFile when done.
func OpenRecord(ctx context.Context, planPath string, planData []byte, fingerprint string, now func() time.Time, waiting func()) (*RecordFile, error) {
	if now == nil {
		now = time.Now
	}
	path := RecordPath(planPath)
	lock, err := filelock.Acquire(ctx, path+".lock", waiting)
	if err != nil {
		return nil, fmt.Errorf("lock the plan's record: %w", err)
	}
	sum := sha256.Sum256(planData)
	r := &RecordFile{path: path, lock: lock, now: now, rec: Record{Plan: "sha256:" + hex.EncodeToString(sum[:]), Fingerprint: fingerprint}}
	old, err := ReadRecord(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		lock.Release()
		return nil, err
	case old.Plan == r.rec.Plan && old.wrote():
		lock.Release()
		return nil, &AppliedError{Path: path, Record: *old}
	}
	return r, nil
}

// ReadRecord reads the record at path (RecordPath of a plan file). A
// change begun and never ended reads as InFlight.
func ReadRecord(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxRecordSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; not a ztsync record: remove it only if you know the plan was not applied", path, maxRecordSize>>20)
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s is not a ztsync apply record (%v): remove it only if you know the plan was not applied", path, err)
	}
	return &r, nil
}

// Start records, durably, that the apply starts writing. Call it after
// every check and before the first write: when it fails, write nothing.
func (r *RecordFile) Start() error {
	r.rec.StartedAt = r.now().UTC()
	r.rec.Changes = []RecordedChange{}
	return r.save()
}

// Progress records a change as it begins (InFlight) and as it ends (its
// status). Pass it every Event of Apply's Progress.
func (r *RecordFile) Progress(ev Event) error {
	if !ev.Done {
		r.rec.Changes = append(r.rec.Changes, RecordedChange{Address: ev.Change.Address, Status: InFlight, At: r.now().UTC()})
		return r.save()
	}
	for i := len(r.rec.Changes) - 1; i >= 0; i-- {
		if c := &r.rec.Changes[i]; c.Address == ev.Change.Address {
			c.Status, c.At = ev.Result.Status, r.now().UTC()
			return r.save()
		}
	}
	r.rec.Changes = append(r.rec.Changes, RecordedChange{Address: ev.Change.Address, Status: ev.Result.Status, At: r.now().UTC()})
	return r.save()
}

// Finish records the end of the apply with every result of rep, the
// changes never begun included.
func (r *RecordFile) Finish(rep *Report) error {
	begun := map[string]bool{}
	for _, c := range r.rec.Changes {
		begun[c.Address] = true
	}
	t := r.now().UTC()
	for _, res := range rep.Results {
		if !begun[res.Address] {
			r.rec.Changes = append(r.rec.Changes, RecordedChange{Address: res.Address, Status: res.Status, At: t})
		}
	}
	r.rec.FinishedAt = &t
	return r.save()
}

// Close releases the lock.
func (r *RecordFile) Close() error {
	if r == nil {
		return nil
	}
	return r.lock.Release()
}

// save writes the record atomically and durably: a synced temporary file
// renamed over the record, then the directory synced.
func (r *RecordFile) save() error {
	data, err := json.MarshalIndent(&r.rec, "", "  ")
	if err != nil {
		return fmt.Errorf("record the apply: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.WriteBytes(r.path, 0o644, data); err != nil {
		return fmt.Errorf("record the apply in %s: %w", r.path, err)
	}
	return nil
}
