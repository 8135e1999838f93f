package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/ztsync/ztsync/atomicfile"
	"github.com/ztsync/ztsync/schema"
)

// state is what the emulator holds; it is also the JSON state file.
type state struct {
	Accounts    map[string]*accountState `json:"accounts,omitempty"`
	Zones       map[string]*zoneState    `json:"zones,omitempty"`
	Revocations []Revocation             `json:"revocations,omitempty"`
}

type accountState struct {
	Organization schema.Object `json:"organization,omitempty"`
	DoH          schema.Object `json:"doh,omitempty"`
}

type zoneState struct {
	Organization schema.Object `json:"organization,omitempty"`
}

// Revocation is one accepted revoke_user request.
type Revocation struct {
	// Scope is "accounts/<id>" or "zones/<id>".
	Scope string `json:"scope"`
	// Email is the revoked user's email.
	Email string `json:"email"`
	// Devices is true when the user's devices were revoked too (body
	// "devices" or query ?devices=true).
	Devices bool `json:"devices,omitempty"`
	// UserUID is the body's user_uid.
	UserUID string `json:"user_uid,omitempty"`
	// WarpSessionReauth is the body's warp_session_reauth.
	WarpSessionReauth bool `json:"warp_session_reauth,omitempty"`
	// Time is when the revocation was accepted.
	Time time.Time `json:"time"`
}

func newState() state {
	return state{Accounts: map[string]*accountState{}, Zones: map[string]*zoneState{}}
}

// organization returns the stored organization of kind/id, or nil.
func (s *state) organization(kind schema.Kind, id string) schema.Object {
	if kind == schema.KindZone {
		if z := s.Zones[id]; z != nil {
			return z.Organization
		}
		return nil
	}
	if a := s.Accounts[id]; a != nil {
		return a.Organization
	}
	return nil
}

// setOrganization stores obj (nil deletes) without copying it.
func (s *state) setOrganization(kind schema.Kind, id string, obj schema.Object) {
	if kind == schema.KindZone {
		if obj == nil {
			delete(s.Zones, id)
			return
		}
		s.Zones[id] = &zoneState{Organization: obj}
		return
	}
	s.updateAccount(id, func(a *accountState) { a.Organization = obj })
}

func (s *state) doh(id string) schema.Object {
	if a := s.Accounts[id]; a != nil {
		return a.DoH
	}
	return nil
}

func (s *state) setDoH(id string, obj schema.Object) {
	s.updateAccount(id, func(a *accountState) { a.DoH = obj })
}

// updateAccount applies set to account id's state, creating it if needed,
// and drops an account left with neither organization nor DoH.
func (s *state) updateAccount(id string, set func(*accountState)) {
	a := s.Accounts[id]
	if a == nil {
		a = &accountState{}
	}
	set(a)
	if a.Organization == nil && a.DoH == nil {
		delete(s.Accounts, id)
		return
	}
	s.Accounts[id] = a
}

// LoadState replaces the whole state with the JSON document read from r
// (format in the package doc). Unknown top-level keys and ids that are not
// 32 lowercase hex characters are errors; keys inside an organization or
// DoH object are kept as they are.
func (e *Emulator) LoadState(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	s := newState()
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("decode emulator state: empty document")
		}
		return fmt.Errorf("decode emulator state: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("decode emulator state: trailing data after the JSON object")
	}
	if s.Accounts == nil {
		s.Accounts = map[string]*accountState{}
	}
	if s.Zones == nil {
		s.Zones = map[string]*zoneState{}
	}
	for _, id := range sortedIDs(s.Accounts) {
		if !schema.IsID(id) {
			return fmt.Errorf("emulator state: account id %q is not 32 lowercase hex characters", id)
		}
		if a := s.Accounts[id]; a == nil || (a.Organization == nil && a.DoH == nil) {
			delete(s.Accounts, id)
		}
	}
	for _, id := range sortedIDs(s.Zones) {
		if !schema.IsID(id) {
			return fmt.Errorf("emulator state: zone id %q is not 32 lowercase hex characters", id)
		}
		if z := s.Zones[id]; z == nil || z.Organization == nil {
			delete(s.Zones, id)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state = s
	return nil
}

// SaveState writes the state as indented JSON with sorted keys.
func (e *Emulator) SaveState(w io.Writer) error {
	data, err := e.marshalState()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write emulator state: %w", err)
	}
	return nil
}

func (e *Emulator) marshalState() ([]byte, error) {
	e.mu.Lock()
	data, err := json.MarshalIndent(e.state, "", "  ")
	e.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("encode emulator state: %w", err)
	}
	return append(data, '\n'), nil
}

// MaxStateFileSize is the largest state file LoadFile reads (64 MiB, as
// for plan files: a state of thousands of organizations is a few MiB).
const MaxStateFileSize = 64 << 20

// LoadFile loads the state from the file at path; a missing file is an
// empty state. A file that is not a regular file (/dev/zero, a pipe) or is
// larger than MaxStateFileSize is refused without reading it all.
func (e *Emulator) LoadFile(path string) error {
	data, err := readCapped(path)
	if errors.Is(err, fs.ErrNotExist) {
		e.mu.Lock()
		e.state = newState()
		e.mu.Unlock()
		return nil
	}
	if err != nil {
		return fmt.Errorf("read emulator state: %w", err)
	}
	if err := e.LoadState(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readCapped reads a regular file of at most MaxStateFileSize bytes.
func readCapped(path string) ([]byte, error) {
	// Stat before opening: opening a named pipe blocks until a writer comes.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	} else if st.Size() > MaxStateFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; not an emulator state file", path, MaxStateFileSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxStateFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxStateFileSize {
		return nil, fmt.Errorf("%s is larger than %d MiB; not an emulator state file", path, MaxStateFileSize>>20)
	}
	return data, nil
}

// SaveFile writes the state to path atomically: a temporary file in the
// same directory, then a rename. Concurrent calls are serialised, so the
// file always ends with the newest state.
func (e *Emulator) SaveFile(path string) error {
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	data, err := e.marshalState()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o644, data); err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return nil
}

// SetOrganization stores a copy of obj, verbatim, as the organization of
// the account or zone id; nil deletes it. For tests and set-up.
func (e *Emulator) SetOrganization(kind schema.Kind, id string, obj schema.Object) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state.setOrganization(kind, id, cloneObject(obj))
}

// Organization returns a copy of the stored organization of the account or
// zone id (as stored, not as a GET would render it) and whether it exists.
func (e *Emulator) Organization(kind schema.Kind, id string) (schema.Object, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	obj := e.state.organization(kind, id)
	if obj == nil {
		return nil, false
	}
	return cloneObject(obj), true
}

// SetDoH stores a copy of obj as the DoH settings of account id; nil
// deletes them.
func (e *Emulator) SetDoH(accountID string, obj schema.Object) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.state.setDoH(accountID, cloneObject(obj))
}

// DoH returns a copy of the stored DoH settings of account id and whether
// they are set.
func (e *Emulator) DoH(accountID string) (schema.Object, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	obj := e.state.doh(accountID)
	if obj == nil {
		return nil, false
	}
	return cloneObject(obj), true
}

// Revocations returns the accepted revoke_user requests in order.
func (e *Emulator) Revocations() []Revocation {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Revocation(nil), e.state.Revocations...)
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// cloneObject deep-copies a JSON object; nil stays nil.
func cloneObject(o schema.Object) schema.Object {
	if o == nil {
		return nil
	}
	return cloneValue(o).(map[string]any)
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = cloneValue(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = cloneValue(x)
		}
		return out
	case []string:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = x
		}
		return out
	}
	return v
}
