package bench

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ztsync/ztsync/applier"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/loader"
	"github.com/ztsync/ztsync/planner"
)

// The settings issue 7 names for plan and apply.
const (
	latency     = 20 * time.Millisecond
	concurrency = 16
	// planDrift is the fraction of resources that differ in the plan
	// benchmarks (it does not change the number of GETs).
	planDrift = 0.1
)

// calls summarises an emulator request log.
type calls struct {
	gets, writes, other int
	maxPerPath          int // most GETs of one path
	failed              int // answers that were not 2xx
}

func callCounts(reqs []emulator.Request) calls {
	var c calls
	perPath := map[string]int{}
	for _, r := range reqs {
		switch r.Method {
		case http.MethodGet:
			c.gets++
			perPath[r.Path]++
			c.maxPerPath = max(c.maxPerPath, perPath[r.Path])
		case http.MethodPut, http.MethodPost:
			c.writes++
		default:
			c.other++
		}
		if r.Status < 200 || r.Status > 299 {
			c.failed++
		}
	}
	return c
}

// peakRSS returns the process's peak resident set size in MB
// (/proc/self/status VmHWM), or 0 where it cannot be read.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "VmHWM:" {
			kb, err := strconv.ParseFloat(string(f[1]), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchmarkValidate10k loads, validates and decodes 10,000 scopes (2,000
// accounts, 8,000 zones) in 1,000 files from disk, as `ztsync validate`
// does: loader.New (compiling the schema) and LoadDir each iteration; their
// times are also reported separately. peak-RSS-MB is the whole test
// process's high-water mark (generator included); run.sh measures a fresh
// process that only validates.
func BenchmarkValidate10k(b *testing.B) {
	f := Fleet{Accounts: 2000, Zones: 8000, Files: 1000}
	dir := b.TempDir()
	if err := f.WriteTree(dir, false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	var newTime, loadTime time.Duration
	for range b.N {
		t0 := time.Now()
		l, err := loader.New()
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		res, err := l.LoadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		newTime += t1.Sub(t0)
		loadTime += t2.Sub(t1)
		if len(res.Config.Accounts) != f.Accounts || len(res.Config.Zones) != f.Zones {
			b.Fatalf("loaded %d accounts, %d zones", len(res.Config.Accounts), len(res.Config.Zones))
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(newTime.Seconds()/n*1000, "new-ms/op")
	b.ReportMetric(loadTime.Seconds()/n*1000, "loaddir-ms/op")
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}

func BenchmarkPlan1k(b *testing.B) { benchPlan(b, Fleet{Accounts: 200, Zones: 800}) }

func BenchmarkPlan10k(b *testing.B) { benchPlan(b, Fleet{Accounts: 2000, Zones: 8000}) }

// benchPlan times Fetch + Build of f against the emulator over HTTP with
// 20 ms latency per request, concurrency 16 and no rate limit, a new client
// (cold connections) each iteration as each `ztsync plan` run has.
//
// Metrics: wall/ideal, where ideal = GETs × 20 ms / 16 (the time the reads
// take if 16 are always in flight and nothing else costs anything);
// GETs/resource and max-GETs/path from the emulator's request log (the
// target is exactly 1); non-GETs (must be 0); retries from the client.
func benchPlan(b *testing.B, f Fleet) {
	srv := quietServer(b)
	drift := f.Seed(srv.Emulator, planDrift)
	cfg := f.Config()
	srv.SetLatency(latency)
	ctx := context.Background()
	var wall time.Duration
	var total calls
	retries := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		srv.ResetRequests()
		c := newClient(b, srv.URL)
		b.StartTimer()
		start := time.Now()
		p := fetchAndBuild(b, ctx, c, cfg, planner.FetchOptions{Concurrency: concurrency}, planner.Options{})
		wall += time.Since(start)
		b.StopTimer()
		if got := p.Summary.Update; got != len(drift.Addresses) || len(p.Changes) != got {
			b.Fatalf("plan has %d changes (%d updates), want %d updates", len(p.Changes), got, len(drift.Addresses))
		}
		cs := callCounts(srv.Requests())
		total.gets += cs.gets
		total.writes += cs.writes
		total.other += cs.other
		total.failed += cs.failed
		total.maxPerPath = max(total.maxPerPath, cs.maxPerPath)
		retries += c.Stats().Retries
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	ideal := time.Duration(float64(total.gets) * float64(latency) / concurrency)
	b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
	b.ReportMetric(ideal.Seconds()/n, "ideal-s/op")
	b.ReportMetric(float64(total.gets)/n/float64(f.Resources()), "GETs/resource")
	b.ReportMetric(float64(total.maxPerPath), "max-GETs/path")
	b.ReportMetric(float64(total.writes+total.other)/n, "non-GETs/op")
	b.ReportMetric(float64(retries)/n, "retries/op")
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}

// BenchmarkApply1k applies 1,000 changes (200 accounts with organization
// and DoH updates, 600 zones with organization updates) the way `ztsync
// apply PLANFILE` does: CheckStale, then Apply, concurrency 16, 20 ms
// latency. The plan is made (untimed) before each iteration against a
// freshly seeded live state.
//
// Metrics from the emulator's request log: writes/change (target exactly
// 1), readback/change (GETs during Apply; target exactly 2: the re-read
// just before each write that refuses a resource that moved, and the read
// back after it; docs/security.md),
// stale-reads/change (GETs during CheckStale: the stale check's own cost,
// 1 per organization or DoH change), wall/ideal with ideal = all calls ×
// 20 ms / 16.
func BenchmarkApply1k(b *testing.B) {
	f := Fleet{Accounts: 200, Zones: 600}
	srv := quietServer(b)
	cfg := f.Config()
	ctx := context.Background()
	var wall time.Duration
	var stale, apply calls
	changes := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		srv.SetLatency(0)
		f.Seed(srv.Emulator, 1)
		srv.SetLatency(latency)
		c := newClient(b, srv.URL)
		p := fetchAndBuild(b, ctx, c, cfg, planner.FetchOptions{Concurrency: concurrency}, planner.Options{})
		if len(p.Changes) != 1000 {
			b.Fatalf("plan has %d changes, want 1000", len(p.Changes))
		}
		changes += len(p.Changes)
		c = newClient(b, srv.URL)
		srv.ResetRequests()
		b.StartTimer()

		start := time.Now()
		if err := applier.CheckStale(ctx, c, p, concurrency); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s := callCounts(srv.Requests())
		srv.ResetRequests()
		b.StartTimer()
		rep, err := applier.Apply(ctx, c, p, applier.Options{Concurrency: concurrency, MaxChangePercent: new(100.0)})
		if err != nil {
			b.Fatal(err)
		}
		wall += time.Since(start)
		b.StopTimer()
		if !rep.OK() {
			b.Fatalf("apply: %s\n%s", rep.Summary(), rep)
		}
		a := callCounts(srv.Requests())
		stale.gets += s.gets
		stale.writes += s.writes
		apply.gets += a.gets
		apply.writes += a.writes
		apply.other += a.other + s.other
		apply.failed += a.failed + s.failed
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(changes)
	all := stale.gets + stale.writes + apply.gets + apply.writes + apply.other
	ideal := time.Duration(float64(all) * float64(latency) / concurrency)
	b.ReportMetric(wall.Seconds()/ideal.Seconds(), "wall/ideal")
	b.ReportMetric(float64(apply.writes)/n, "writes/change")
	b.ReportMetric(float64(apply.gets)/n, "readback/change")
	b.ReportMetric(float64(stale.gets)/n, "stale-reads/change")
	b.ReportMetric(float64(stale.gets+apply.gets)/n, "reads/change")
	b.ReportMetric(float64(stale.writes+apply.other+apply.failed), "unexpected-calls")
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}
