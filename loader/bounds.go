package loader

import (
	"context"
	"fmt"
	"runtime/metrics"
	"time"

	"cuelang.org/go/cue/ast"
)

// Bounds on evaluation, against hostile or runaway configurations: CUE
// can be made to take exponential time (deeply nested labels and its
// closedness checks) or unbounded memory (list.Range(0, 1e9, 1)).
const (
	// MaxDepth is the deepest nesting of a file's syntax (structs, lists,
	// expressions) that is evaluated. A configuration needs about ten.
	MaxDepth = 100
	// MaxMemory is the most heap, in bytes, that evaluating one
	// configuration may add (4 GiB).
	MaxMemory = 4 << 30
)

// memoryPoll is how often the heap is measured during evaluation.
const memoryPoll = 10 * time.Millisecond

// WithContext makes loads honour ctx: when it is done, a load stops
// waiting for CUE and returns ctx's error (context.Canceled, or the cause
// given to the cancel function) within milliseconds.
//
// CUE's evaluator cannot be interrupted: the abandoned evaluation goes on
// in the background until it ends or the process exits. A process that
// stops a load this way is expected to exit soon (the CLI does); the same
// holds after a load went over the memory limit.
func WithContext(ctx context.Context) Option {
	return func(l *Loader) {
		if ctx != nil {
			l.stop = ctx
		}
	}
}

// withMemoryLimit sets the most heap, in bytes, that evaluating one
// configuration may add (MaxMemory by default), so that a test can reach
// it quickly. Values below 1 keep the default.
func withMemoryLimit(bytes int64) Option {
	return func(l *Loader) {
		if bytes > 0 {
			l.memLimit = uint64(bytes)
		}
	}
}

// bounded runs eval, the evaluation of one configuration, and waits for it
// unless the Loader's context ends or the heap grows by more than the
// memory limit first. Either way the load is over for the caller; see
// WithContext for what goes on in the background.
func (l *Loader) bounded(eval func() (*Result, error)) (*Result, error) {
	if l.abandoned {
		return nil, fmt.Errorf("load configuration: this Loader stopped a load whose evaluation may still be running; use a new one")
	}
	if err := context.Cause(l.stop); err != nil {
		return nil, fmt.Errorf("load configuration: %w", err)
	}
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	start := heapBytes()
	go func() {
		res, err := eval()
		done <- outcome{res, err}
	}()
	tick := time.NewTicker(memoryPoll)
	defer tick.Stop()
	for {
		select {
		case o := <-done:
			if used := heapBytes(); used > start && used-start > l.memLimit {
				// Over the limit between two measurements, and still
				// held: as over the limit as an evaluation stopped on a tick.
				return nil, l.overLimit()
			}
			return o.res, o.err
		case <-l.stop.Done():
			l.abandoned = true
			return nil, fmt.Errorf("load configuration: stopped: %w", context.Cause(l.stop))
		case <-tick.C:
			if used := heapBytes(); used > start && used-start > l.memLimit {
				l.abandoned = true
				return nil, l.overLimit()
			}
		}
	}
}

// overLimit is the problem of an evaluation that took more memory than
// the limit.
func (l *Loader) overLimit() Errors {
	return Errors{{Msg: fmt.Sprintf("evaluating the configuration took more than %s of memory; ztsync stops there "+
		"(a generated list or string too large, such as list.Range over millions of numbers?)", byteSize(int64(l.memLimit)))}}
}

// heapBytes is the memory held by heap objects, live or not yet swept.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// tooDeep returns the first node of f nested deeper than MaxDepth, or nil.
// A chain of binary operations (a | b | c ..., a long enum) counts as one
// level: CUE evaluates it flat.
func tooDeep(f *ast.File) ast.Node {
	depth := 0
	var found ast.Node
	level := func(n ast.Node) int {
		if _, ok := n.(*ast.BinaryExpr); ok {
			return 0
		}
		return 1
	}
	ast.Walk(f, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		depth += level(n)
		if depth > MaxDepth {
			found = n
			return false
		}
		return true
	}, func(n ast.Node) { depth -= level(n) })
	return found
}
