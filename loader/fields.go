package loader

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cuelang.org/go/cue"

	"github.com/ztsync/ztsync/schema"
)

// This file knows the shape of a configuration (from the field table in
// package schema) well enough to name what a path is and to say, for a
// value the schema refused, what is wrong with it in words. The same rules
// judge a configuration on the fast path (fast.go), which must accept
// exactly what the CUE schema accepts: the schema stays the source of
// truth, and rules_test.go and fast_test.go hold the rules to it (the
// regular expressions below are the schema's, character for character).

// valueType is the rule a value is described by.
type valueType int

const (
	tAny valueType = iota
	tStruct
	tString
	tNonEmptyString
	tBool
	tID
	tDuration
	tWarpDuration
	tSeatDuration
	tHostname
	tColor
	tURL
	tStringList
	tHostnameList
)

// siteKind says what a path in the configuration is.
type siteKind int

const (
	siteUnknown siteKind = iota // something the schema does not describe
	siteRoot
	siteField // a field whose parent has a fixed set of fields
	siteName  // an account or zone name
	siteEmail // a revoke key
	siteItem  // an element of a list field
)

// site is what classify knows about a path.
type site struct {
	kind  siteKind
	scope schema.Kind // for paths under accounts or zones
	name  string      // the last label
	vt    valueType   // the value's rule
	// parent names the enclosing struct in messages ("an account's
	// organization"); allowed are its field names.
	parent  string
	allowed []string
	// fields is set when the value is itself a struct with fixed fields.
	fields []string
}

// The schema's regular expressions (TestRegexpsAreTheSchemas compares them).
var (
	nameRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)
	idRE       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	colorRE    = regexp.MustCompile(`^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$`)
	urlRE      = regexp.MustCompile(`^https?://[^\s/?#]+([/?#][^\s]*)?$`)
	hostnameRE = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	emailRE    = regexp.MustCompile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
	warpRE     = regexp.MustCompile(`^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)[mh](([0-9]+(\.[0-9]*)?|\.[0-9]+)[mh])*$`)
)

const seatMinimum = 730 * time.Hour

var (
	topFields        = []string{"accounts", "zones"}
	accountFields    = []string{"id", "organization", "doh", "revoke"}
	zoneFields       = []string{"id", "organization", "revoke"}
	revocationFields = []string{"devices", "warp_session_reauth", "user_uid", "reason"}
)

// orgFields returns the organization fields scope kind k may write.
func orgFields(k schema.Kind) []schema.Field {
	var out []schema.Field
	for _, f := range schema.OrganizationFields() {
		if (k == schema.KindZone && f.Zone) || (k == schema.KindAccount && f.Account) {
			out = append(out, f)
		}
	}
	return out
}

func fieldNames(fs []schema.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func findField(fs []schema.Field, name string) (schema.Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return schema.Field{}, false
}

// typeOf maps a field of the table to its rule.
func typeOf(f schema.Field) valueType {
	switch f.Type {
	case schema.Bool:
		return tBool
	case schema.Duration:
		switch f.Name {
		case "warp_auth_session_duration":
			return tWarpDuration
		case "user_seat_expiration_inactive_time":
			return tSeatDuration
		}
		return tDuration
	case schema.Hostname:
		return tHostname
	case schema.Color:
		return tColor
	case schema.URL:
		return tURL
	case schema.StringList:
		return tStringList
	case schema.HostnameList:
		return tHostnameList
	case schema.Nested:
		return tStruct
	case schema.String:
		if f.Name == "name" || f.Name == "service_token_id" {
			return tNonEmptyString
		}
		return tString
	}
	return tAny
}

func kindWord(k schema.Kind) string {
	if k == schema.KindZone {
		return "zone"
	}
	return "account"
}

// classify says what the path labels (unquoted) designate.
func classify(labels []string) site {
	n := len(labels)
	if n == 0 {
		return site{kind: siteRoot, vt: tStruct, fields: topFields}
	}
	s := site{kind: siteField, name: labels[n-1]}
	if n == 1 {
		s.parent, s.allowed = "the configuration", topFields
		if s.name == "accounts" || s.name == "zones" {
			s.vt = tStruct
		}
		return s
	}
	var k schema.Kind
	switch labels[0] {
	case "accounts":
		k = schema.KindAccount
	case "zones":
		k = schema.KindZone
	default:
		return site{}
	}
	s.scope = k
	scopeFields := accountFields
	if k == schema.KindZone {
		scopeFields = zoneFields
	}
	if n == 2 {
		return site{kind: siteName, scope: k, name: labels[1], vt: tStruct, fields: scopeFields}
	}
	org := orgFields(k)
	if n == 3 {
		s.parent, s.allowed = "a zone", scopeFields
		if k == schema.KindAccount {
			s.parent = "an account"
		}
		switch s.name {
		case "id":
			s.vt = tID
		case "organization":
			s.vt, s.fields = tStruct, fieldNames(org)
		case "doh":
			if k == schema.KindAccount {
				s.vt, s.fields = tStruct, fieldNames(schema.DoHFields())
			}
		case "revoke":
			s.vt = tStruct
		}
		return s
	}
	switch labels[2] {
	case "organization":
		if n == 4 {
			s.parent, s.allowed = "a zone organization", fieldNames(org)
			if k == schema.KindAccount {
				s.parent = "an account organization"
			}
			if f, ok := findField(org, s.name); ok {
				s.vt = typeOf(f)
				s.fields = fieldNames(f.Sub)
			}
			return s
		}
		f, ok := findField(org, labels[3])
		if !ok || n != 5 {
			return site{}
		}
		switch f.Type {
		case schema.Nested:
			s.parent, s.allowed = labels[3], fieldNames(f.Sub)
			if sub, ok := findField(f.Sub, s.name); ok {
				s.vt = typeOf(sub)
			}
			return s
		case schema.StringList, schema.HostnameList:
			s.kind, s.vt = siteItem, tString
			if f.Type == schema.HostnameList {
				s.vt = tHostname
			}
			return s
		}
	case "doh":
		if n == 4 && k == schema.KindAccount {
			s.parent, s.allowed = "doh", fieldNames(schema.DoHFields())
			if f, ok := findField(schema.DoHFields(), s.name); ok {
				s.vt = typeOf(f)
			}
			return s
		}
	case "revoke":
		if n == 4 {
			return site{kind: siteEmail, scope: k, name: s.name, vt: tStruct, fields: revocationFields}
		}
		if n == 5 {
			s.parent, s.allowed = "a revoke entry", revocationFields
			switch s.name {
			case "devices", "warp_session_reauth":
				s.vt = tBool
			case "user_uid":
				s.vt = tNonEmptyString
			case "reason":
				s.vt = tString
			}
			return s
		}
	}
	return site{}
}

// allows reports whether the struct at s (a site with fields) accepts a
// field called name.
func (s site) allows(name string) bool {
	for _, a := range s.allowed {
		if a == name {
			return true
		}
	}
	return false
}

// notAllowed explains why the field at s is refused.
func (s site) notAllowed() string {
	switch s.kind {
	case siteName:
		return fmt.Sprintf("%q is not a valid %s name: use a letter or digit, then letters, digits, '.', '_', '@' or '-'", s.name, kindWord(s.scope))
	case siteEmail:
		return fmt.Sprintf("%q is not an email address; revoke entries are keyed by the user's email", s.name)
	}
	if s.scope == schema.KindZone && s.parent == "a zone organization" && schema.Writable(schema.KindAccount, s.name) {
		return fmt.Sprintf("%s is an account-only field; zones accept: %s", s.name, strings.Join(s.allowed, ", "))
	}
	if strings.HasSuffix(s.parent, "organization") {
		if strings.HasPrefix(s.name, "mfa_") {
			return fmt.Sprintf("%s is not managed by ztsync (the MFA settings' API is still changing); set it in the dashboard", s.name)
		}
		for _, ro := range schema.ReadOnlyFields() {
			if s.name == ro {
				return fmt.Sprintf("%s is read-only: Cloudflare sets it", s.name)
			}
		}
	}
	if s.scope == schema.KindZone && s.parent == "a zone" && s.name == "doh" {
		return "doh is an account-only setting; zones accept: " + strings.Join(s.allowed, ", ")
	}
	if s.parent == "custom_pages" || s.parent == "login_design" || len(s.allowed) > 0 {
		if c := closest(s.name, s.allowed); c != "" {
			return fmt.Sprintf("field not allowed (did you mean %s?)", c)
		}
		return fmt.Sprintf("field not allowed; %s accepts: %s", s.parent, strings.Join(s.allowed, ", "))
	}
	return "field not allowed"
}

// closest returns the allowed name nearest to name if it is near enough to
// be a typo, or "".
func closest(name string, allowed []string) string {
	best, bestD := "", math.MaxInt
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(name), a); d < bestD {
			best, bestD = a, d
		}
	}
	limit := 2
	if len(name) >= 12 {
		limit = 3
	}
	if bestD <= limit && bestD < len(name) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// describe prints v for a message: CUE syntax for scalars, a word for
// structs and lists.
func describe(v cue.Value) string {
	switch v.Kind() {
	case cue.StringKind:
		s, _ := v.String()
		return strconv.Quote(s)
	case cue.StructKind:
		return "a struct"
	case cue.ListKind:
		return "a list"
	case cue.BytesKind:
		return "a bytes value"
	}
	return fmt.Sprint(v)
}

// check returns what is wrong with the concrete value v under rule vt, in
// words, or "" if the rule has nothing to say.
func (s site) check(v cue.Value) string {
	str := ""
	if v.Kind() == cue.StringKind {
		str, _ = v.String()
	}
	return s.judge(v.Kind(), str, func() string { return describe(v) })
}

// judge is check on a value taken apart: its kind, its text if it is a
// string, and how to print it. The loader's fast path (fast.go) judges the
// decoded configuration with it, so the rules exist once.
func (s site) judge(k cue.Kind, str string, describe func() string) string {
	isStr := k == cue.StringKind
	switch s.vt {
	case tStruct:
		if k != cue.StructKind {
			d := describe()
			what := s.name
			if s.kind == siteRoot || what == "" {
				what = "the configuration"
			}
			if s.kind == siteName {
				what = "an account"
				if s.scope == schema.KindZone {
					what = "a zone"
				}
			}
			if len(s.fields) > 0 {
				return fmt.Sprintf("%s is not a struct; %s takes fields: %s", d, what, strings.Join(s.fields, ", "))
			}
			return d + " is not a struct"
		}
	case tString:
		if !isStr {
			return describe() + " is not a string"
		}
	case tNonEmptyString:
		if !isStr {
			return describe() + " is not a string"
		}
		if str == "" {
			return "must not be empty"
		}
	case tBool:
		if k != cue.BoolKind {
			return describe() + " is not a bool (use true or false)"
		}
	case tID:
		if !isStr || !idRE.MatchString(str) {
			return describe() + " is not an id (32 lowercase hex characters)"
		}
	case tDuration, tWarpDuration, tSeatDuration:
		if !isStr {
			return describe() + ` is not a duration; write a string such as "12h"`
		}
		dur, err := time.ParseDuration(str)
		switch {
		case err != nil && s.vt == tWarpDuration:
			return describe() + " is not a duration in minutes or hours (use e.g. 24h, 90m)"
		case err != nil:
			return describe() + " is not a duration (use e.g. 12h, 90m)"
		case dur < 0 || strings.HasPrefix(str, "-"):
			// The schema refuses a leading minus sign, even on "-0s".
			return describe() + " is negative"
		case s.vt == tWarpDuration && !warpRE.MatchString(str):
			return describe() + " is not in minutes or hours (use e.g. 24h, 90m)"
		case s.vt == tSeatDuration && dur < seatMinimum:
			return describe() + " is shorter than the minimum, 730h (one month)"
		}
	case tHostname:
		if !isStr || !hostnameRE.MatchString(str) || utf8.RuneCountInString(str) > 253 {
			return describe() + " is not a hostname (e.g. example.com)"
		}
	case tColor:
		if !isStr || !colorRE.MatchString(str) {
			return describe() + ` is not a color (use #rgb or #rrggbb, e.g. "#f48120")`
		}
	case tURL:
		if !isStr || !urlRE.MatchString(str) {
			return describe() + " is not an http(s) URL"
		}
	case tStringList, tHostnameList:
		if k != cue.ListKind {
			if s.vt == tHostnameList {
				return describe() + ` is not a list of hostnames (e.g. ["example.com"])`
			}
			return describe() + " is not a list of strings"
		}
	}
	return ""
}

// incomplete explains a value that is only constrained, not given.
func (s site) incomplete() string {
	hint := map[valueType]string{
		tString:         "a string",
		tNonEmptyString: "a string",
		tBool:           "true or false",
		tID:             "the 32-character id",
		tDuration:       `a duration such as "24h"`,
		tWarpDuration:   `a duration such as "24h"`,
		tSeatDuration:   `a duration such as "730h"`,
		tHostname:       `a hostname such as "example.com"`,
		tColor:          `a color such as "#f48120"`,
		tURL:            `a URL such as "https://example.com/logo.png"`,
		tStringList:     `a list of strings`,
		tHostnameList:   `a list such as ["example.com"]`,
	}[s.vt]
	if hint == "" {
		return "no concrete value: ztsync needs data here, not only a constraint"
	}
	return "no concrete value: write " + hint
}
