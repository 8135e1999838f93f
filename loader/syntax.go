package loader

import (
	"fmt"

	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"
)

// Syntax errors where the mistake is. CUE's parser reports an unclosed
// brace where it gave up, at the end of the file, and a wrong closing
// bracket as a missing comma. When a file fails to parse, the loader also
// matches its brackets with CUE's scanner: the first closing bracket that
// closes nothing or the wrong thing, or else the innermost bracket left
// open at the end, is the mistake; it is reported there, and the parser's
// errors after it (which follow from it) are left out.

// bracketMistake returns the first bracket mistake in src, if any.
func bracketMistake(name string, src []byte) (Error, bool) {
	type open struct {
		tok    token.Token
		line   int
		col    int
		indent int // column of the first token on the opener's line
	}
	closes := map[token.Token]token.Token{token.RBRACE: token.LBRACE, token.RBRACK: token.LBRACK, token.RPAREN: token.LPAREN}
	closer := map[token.Token]string{token.LBRACE: "}", token.LBRACK: "]", token.LPAREN: ")"}
	var s scanner.Scanner
	f := token.NewFile(name, -1, len(src))
	s.Init(f, src, nil, 0)
	var stack []open
	// suspect is the first bracket closed, by its indentation, by a
	// closer meant for an outer one; closedBy is that closer's line.
	var suspect *open
	closedBy := 0
	line, indent := 0, 0
	for {
		pos, tok, _ := s.Scan()
		first := pos.Line() != line
		if first {
			line, indent = pos.Line(), pos.Column()
		}
		switch tok {
		case token.EOF:
			if len(stack) == 0 {
				return Error{}, false
			}
			o := stack[len(stack)-1]
			if suspect != nil {
				return Error{File: name, Line: suspect.line, Col: suspect.col,
					Msg: fmt.Sprintf("%s opened here is never closed (expected %s before line %d, whose %s is indented to close an outer one)",
						suspect.tok, closer[suspect.tok], closedBy, closer[suspect.tok])}, true
			}
			return Error{File: name, Line: o.line, Col: o.col,
				Msg: fmt.Sprintf("%s opened here is never closed (expected %s before the end of the file)", o.tok, closer[o.tok])}, true
		case token.LBRACE, token.LBRACK, token.LPAREN:
			stack = append(stack, open{tok, pos.Line(), pos.Column(), indent})
		case token.RBRACE, token.RBRACK, token.RPAREN:
			if len(stack) == 0 {
				return Error{File: name, Line: pos.Line(), Col: pos.Column(),
					Msg: fmt.Sprintf("%s closes nothing: no %s is open here", tok, closes[tok])}, true
			}
			o := stack[len(stack)-1]
			if o.tok != closes[tok] {
				return Error{File: name, Line: pos.Line(), Col: pos.Column(),
					Msg: fmt.Sprintf("%s does not close the %s opened at line %d column %d (expected %s)", tok, o.tok, o.line, o.col, closer[o.tok])}, true
			}
			if first && suspect == nil && o.line != pos.Line() && pos.Column() < o.indent {
				suspect, closedBy = &o, pos.Line()
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// placeSyntaxErrors puts the bracket mistake of a file that failed to
// parse, if it has one, in place of the parser's errors at or after it.
func placeSyntaxErrors(name string, src []byte, parsed Errors) Errors {
	m, ok := bracketMistake(name, src)
	if !ok {
		return parsed
	}
	out := Errors{}
	for _, e := range parsed {
		if e.Line < m.Line || e.Line == m.Line && e.Col < m.Col {
			out = append(out, e)
		}
	}
	return append(out, m)
}
