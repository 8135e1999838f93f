package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestFileMutants(t *testing.T) {
	src := `package p

import "errors"

func f(a int, errs []error) (bool, []error) {
	if a > 1 {
		return true, nil
	}
	for i := range a {
		if i == 2 {
			continue
		}
		if i == 3 {
			errs = append(errs, errors.New("three"))
		}
		if i == 4 {
			a++
		}
	}
	return false, errs
}

func g(a int) bool {
	if a == 0 {
		panic("zero")
	}
	return a == 1 || false
}

func h() bool { return true }
`
	ms, err := fileMutants("p/p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.String())
	}
	want := []string{
		"p/p.go:6 GUARD_REMOVAL: if a > 1 {",
		"p/p.go:10 GUARD_REMOVAL: if i == 2 {",
		"p/p.go:13 GUARD_REMOVAL: if i == 3 {",
		"p/p.go:24 GUARD_REMOVAL: if a == 0 {",
		"p/p.go:30 RETURN_FLIP: func h() bool { return true }",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("mutants:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := string(ms[0].Src); !strings.Contains(s, "if (a > 1) && false {") || strings.Count(s, "&& false") != 1 {
		t.Errorf("guard removal:\n%s", s)
	}
	if s := string(ms[4].Src); !strings.Contains(s, "func h() bool { return false }") {
		t.Errorf("return flip:\n%s", s)
	}
	if strings.Contains(string(ms[1].Src), "if (a > 1)") {
		t.Errorf("a mutant changed more than one place")
	}
}

func TestParseEquivalent(t *testing.T) {
	e, err := parseEquivalent("# comment\n\nplanner/a.go | RETURN_FLIP | return true # unused result\n")
	if err != nil {
		t.Fatal(err)
	}
	if !e.has("planner/a.go", "RETURN_FLIP", "return true") || e.has("planner/a.go", "RETURN_FLIP", "return false") {
		t.Errorf("equivalents = %v", e)
	}
	if _, err := parseEquivalent("planner/a.go | RETURN_FLIP | return true\n"); err == nil {
		t.Error("a line without a reason was accepted")
	}
}

func TestMutantFuncAndOrdinal(t *testing.T) {
	src := `package p

type T struct{}

func (t *T) m(err error) error {
	if err != nil {
		return err
	}
	if err != nil {
		return err
	}
	return nil
}

func f(err error) error {
	if err != nil {
		return err
	}
	return nil
}
`
	ms, err := fileMutants("p/p.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%d %s %d", m.Line, m.Func, m.Nth))
	}
	if want := "6 T.m 1,9 T.m 2,16 f 1"; strings.Join(got, ",") != want {
		t.Fatalf("mutants %q, want %q", strings.Join(got, ","), want)
	}
	e, err := parseEquivalent("p/p.go | GUARD_REMOVAL | if err != nil { | T.m 2 # unreachable\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if e.hasIn(m.File, m.Kind, m.Text, m.Func, m.Nth) != (m.Line == 9) {
			t.Errorf("line %d: equivalent = %v", m.Line, !(m.Line == 9))
		}
	}
	if _, err := parseEquivalent("p/p.go | GUARD_REMOVAL | if err != nil { | T.m # no ordinal\n"); err == nil {
		t.Error("a function without an ordinal was accepted")
	}
}
