package loader

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestNestingPastMaxDepth: a file nested a little deeper than MaxDepth,
// which the parser and CUE would both take, is refused at its first node
// past the limit, FILE:LINE:COL, and nothing is evaluated. (It comes
// before TestDeepNestingRefused: without the depth check, that one's
// input takes CUE minutes.)
func TestNestingPastMaxDepth(t *testing.T) {
	l := newLoader(t)
	// The file, each field and each struct are a level of the syntax
	// tree: the 101st is the field on line 50.
	src := strings.Repeat("a: {\n", 60) + strings.Repeat("}\n", 60)
	_, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}})
	var problems Errors
	if !errors.As(err, &problems) || len(problems) != 1 {
		t.Fatalf("load = %v, want one problem", err)
	}
	want := "cfg/a.cue:50:1: nested more than 100 levels deep; ztsync does not evaluate deeper nesting (a configuration needs about ten)"
	if got := problems[0].Error(); got != want {
		t.Errorf("problem = %s\nwant      %s", got, want)
	}
	// One level less is evaluated (and refused by the schema, not by depth).
	src = strings.Repeat("a: {\n", 49) + strings.Repeat("}\n", 49)
	_, err = l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}})
	if !errors.As(err, &problems) || len(problems) != 1 || strings.Contains(problems[0].Msg, "nested more than") {
		t.Fatalf("load of 49 levels = %v, want the schema's problem", err)
	}
}

// TestDeepNestingRefused: labels nested tens of thousands deep (which CUE
// takes minutes to evaluate) are refused before evaluation, at the first
// node past MaxDepth, with a message that says why.
func TestDeepNestingRefused(t *testing.T) {
	for name, src := range map[string]string{
		"labels":  strings.Repeat("a: ", 40000) + "1\n",
		"structs": strings.Repeat("a: {", 40000) + strings.Repeat("}", 40000) + "\n",
		"lists":   "x: " + strings.Repeat("[", 40000) + strings.Repeat("]", 40000) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			// Refusing takes milliseconds; evaluating, minutes: a load
			// still going after a minute has evaluated.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			l := newLoader(t, WithContext(ctx))
			n := allocated(func() {
				_, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}})
				var problems Errors
				if !errors.As(err, &problems) || len(problems) != 1 {
					t.Fatalf("load = %v, want one problem", err)
				}
				p := problems[0]
				// The parser refuses the deepest expressions itself.
				if p.File != "cfg/a.cue" || p.Line != 1 || p.Col < 2 ||
					!strings.Contains(p.Msg, "nested more than 100 levels deep") && !strings.Contains(p.Msg, "exceeds maximum nesting depth") {
					t.Errorf("problem = %s", p.Error())
				}
			})
			if n > memBound {
				t.Errorf("refusing allocated %d MB", n>>20)
			}
		})
	}
	// Nesting a configuration needs is evaluated, and so is a long enum
	// (a chain of | is one level).
	l := newLoader(t)
	enum := "\"" + strings.Repeat("x\" | \"", 500) + "team\""
	src := "accounts: a: {id: \"699d98642c564d2e855e9661899b7252\", organization: login_design: header_text: \"team\"}\n" +
		"accounts: a: organization: login_design: header_text: " + enum + "\n"
	if _, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte(src)}}); err != nil {
		t.Fatal(err)
	}
}

// TestMemoryLimit: an evaluation that grows the heap past the limit is
// refused with a problem (exit 3).
func TestMemoryLimit(t *testing.T) {
	l := newLoader(t, withMemoryLimit(32<<20))
	_, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte("import (\"list\", \"strings\")\n_a: strings.Repeat(\"x\", 1000000)\n_b: [for i in list.Range(0, 100, 1) {_a + \"\\(i)\"}]\naccounts: {}\n")}})
	var problems Errors
	if !errors.As(err, &problems) || len(problems) != 1 || !strings.Contains(problems[0].Msg, "more than 32 MiB of memory") {
		t.Fatalf("load = %v, want the memory problem", err)
	}
}

// TestContextStopsLoad: a cancelled context stops a load before it starts
// and while CUE evaluates, with the context's cause.
func TestContextStopsLoad(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("interrupted")
	cancel(cause)
	l := newLoader(t, WithContext(ctx))
	if _, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte("accounts: {}\n")}}); !errors.Is(err, cause) {
		t.Fatalf("load with a cancelled context = %v, want %v", err, cause)
	}

	// CUE takes seconds for a list of 10,000 numbers. On a busy machine
	// the cancellation can come before the load starts (refused as
	// above, not stopped): then again, up to five times.
	for attempt := 1; ; attempt++ {
		ctx, cancel = context.WithCancelCause(context.Background())
		l = newLoader(t, WithContext(ctx))
		time.AfterFunc(20*time.Millisecond, func() { cancel(cause) })
		_, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte("import \"list\"\nx: list.Range(0, 1e4, 1)\n")}})
		if !errors.Is(err, cause) {
			t.Fatalf("load = %v, want it stopped by %v", err, cause)
		}
		if l.abandoned {
			break // stopped while CUE evaluated
		}
		if attempt == 5 {
			t.Fatal("the cancellation never came while CUE evaluated")
		}
	}
	// The abandoned evaluation may still use the Loader's CUE context.
	if _, err := l.load([]srcFile{{rel: "a.cue", name: "cfg/a.cue", data: []byte("accounts: {}\n")}}); err == nil || !strings.Contains(err.Error(), "use a new one") {
		t.Errorf("next load = %v, want a refusal", err)
	}
}
