package bench

import (
	"math"

	"github.com/ztsync/ztsync/bench/gentree"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/planner"
	"github.com/ztsync/ztsync/schema"
)

// Package is the package clause of every generated file.
const Package = gentree.Package

// Fleet is gentree.Fleet (the one generator) with what the benchmarks add:
// a matching live state in an emulator (Seed).
type Fleet gentree.Fleet

func (f Fleet) gen() gentree.Fleet { return gentree.Fleet(f) }

// Scopes is the number of accounts and zones.
func (f Fleet) Scopes() int { return f.gen().Scopes() }

// Resources is the number of resources a plan reads.
func (f Fleet) Resources() int { return f.gen().Resources() }

// Tree returns the CUE source of the configuration (gentree.Fleet.Tree).
func (f Fleet) Tree() map[string][]byte { return f.gen().Tree() }

// Faults returns the values Tree breaks (gentree.Fleet.Faults).
func (f Fleet) Faults() []gentree.Fault { return f.gen().Faults() }

// WriteTree writes Tree into dir (gentree.Fleet.WriteTree).
func (f Fleet) WriteTree(dir string, vetSchema bool) error { return f.gen().WriteTree(dir, vetSchema) }

// Config returns the desired state Tree declares (gentree.Fleet.Config).
func (f Fleet) Config() *schema.Config { return f.gen().Config() }

// ID returns the id of account or zone i (gentree.ID).
func ID(kind schema.Kind, i int) string { return gentree.ID(kind, i) }

// AccountName is the configuration name of account i.
func AccountName(i int) string { return gentree.AccountName(i) }

// ZoneName is the configuration name of zone i.
func ZoneName(i int) string { return gentree.ZoneName(i) }

// VetSchema returns the embedded schema in package Package.
func VetSchema() ([]byte, error) { return gentree.VetSchema() }

// Drift says which resources Seed made differ from the desired state.
type Drift struct {
	// Addresses of the resources that differ, in plan order (accounts by
	// name, organization before DoH, then zones).
	Addresses []string
}

// picked reports whether resource k (0-based, plan order) is one of the
// fraction that differ: exactly floor(n*fraction) of n, spread evenly.
func picked(k int, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	if fraction >= 1 {
		return true
	}
	return math.Floor(float64(k+1)*fraction) > math.Floor(float64(k)*fraction)
}

// Seed stores in e the live state of every resource of the fleet: what the
// configuration declares, written the way the API answers (durations in
// other units, unknown and read-only fields, a DoH service token), so that
// a plan has to normalise to find no change. A fraction (0..1) of the
// resources, spread evenly, differs in one managed field each (an update).
func (f Fleet) Seed(e *emulator.Emulator, fraction float64) Drift {
	var d Drift
	k := 0
	next := func(addr string) bool {
		p := picked(k, fraction)
		k++
		if p {
			d.Addresses = append(d.Addresses, addr)
		}
		return p
	}
	for i := range f.Accounts {
		id := ID(schema.KindAccount, i)
		s := schema.Scope{Kind: schema.KindAccount, Name: AccountName(i), ID: id}
		org := gentree.LiveAccount(i)
		if next(planner.Address(s, planner.Organization, "")) {
			org["login_design"].(map[string]any)["header_text"] = "Old welcome " + AccountName(i)
		}
		e.SetOrganization(schema.KindAccount, id, org)
		doh := gentree.LiveDoH(i)
		if next(planner.Address(s, planner.DoH, "")) {
			doh["doh_jwt_duration"] = "720h"
		}
		e.SetDoH(id, doh)
	}
	for i := range f.Zones {
		id := ID(schema.KindZone, i)
		s := schema.Scope{Kind: schema.KindZone, Name: ZoneName(i), ID: id}
		org := gentree.LiveZone(i)
		if next(planner.Address(s, planner.Organization, "")) {
			org["is_ui_read_only"] = !org["is_ui_read_only"].(bool)
		}
		e.SetOrganization(schema.KindZone, id, org)
	}
	return d
}
