package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BotLogin is the author of comments the server creates, as GitHub's
// GITHUB_TOKEN writes them.
const BotLogin = "github-actions[bot]"

// Comment is one stored issue comment.
type Comment struct {
	ID       int64
	Issue    int
	Login    string
	UserType string // "Bot" or "User"
	Body     string
}

// PullRequest is a pull request the commit → pull requests endpoint returns.
type PullRequest struct {
	Number         int
	Merged         bool
	MergeCommitSHA string
	BaseSHA        string
}

// Request is one request the server received.
type Request struct {
	Method string
	// Path is the path below the API root, e.g. "/repos/o/r/issues/7/comments".
	Path  string
	Query string
}

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the API root to pass as GITHUB_API_URL (no trailing slash).
	URL string

	mu           sync.Mutex
	token        string
	account      Account
	writeStatus  int
	writeMessage string
	pageSize     int
	nextID       int64
	comments     []*Comment
	pulls        map[string][]PullRequest
	requests     []Request
	forbidWrites bool
}

// Kinds of token, by what GitHub lets them ask about themselves.
const (
	// JobToken is the job's GITHUB_TOKEN: GET /user, the GraphQL viewer
	// and GET /app all answer 403.
	JobToken = "job"
	// PersonalToken is a personal access token: GET /user answers.
	PersonalToken = "personal"
	// AppToken is a GitHub App installation token: GET /user answers
	// 403 "Resource not accessible by integration", the GraphQL viewer
	// answers "slug[bot]".
	AppToken = "app"
)

// Account is who the server's token posts as.
type Account struct {
	Login    string
	UserType string // "Bot" or "User"
	Kind     string // JobToken, PersonalToken or AppToken
}

// NewServer starts a server for the repository owner/repo that requires
// "Authorization: Bearer token" (any token when token is ""), and closes it
// when the test ends. Comment lists come 100 per page. The token is the
// job's GITHUB_TOKEN (github-actions[bot]) until SetAccount.
func NewServer(t testing.TB, token string) *Server {
	s := &Server{token: token, pageSize: 100, nextID: 1000, pulls: map[string][]PullRequest{},
		account: Account{Login: BotLogin, UserType: "Bot", Kind: JobToken}}
	mux := http.NewServeMux()
	mux.Handle("/api/v3/", http.StripPrefix("/api/v3", http.HandlerFunc(s.serve)))
	mux.HandleFunc("/api/graphql", s.graphql)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL + "/api/v3"
	return s
}

// SetAccount makes the token post as a.
func (s *Server) SetAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.account = a
}

// SetWriteError makes every POST and PATCH answer status with message
// (0 turns it off).
func (s *Server) SetWriteError(status int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeStatus, s.writeMessage = status, message
}

// graphql answers the viewer query as GitHub does for the token's kind.
func (s *Server) graphql(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: "/graphql"})
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if s.account.Kind == JobToken {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"viewer": map[string]any{"login": s.account.Login}}})
}

// SetPageSize caps comment list pages at n, whatever per_page asks.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// SetForbidWrites makes every POST and PATCH answer 403 as GitHub does for a
// read-only token (a pull request from a fork).
func (s *Server) SetForbidWrites(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidWrites = v
}

// AddComment stores a comment and returns its id.
func (s *Server) AddComment(issue int, login, userType, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.comments = append(s.comments, &Comment{ID: s.nextID, Issue: issue, Login: login, UserType: userType, Body: body})
	return s.nextID
}

// AddPullRequest makes pr one of the pull requests of commit sha.
func (s *Server) AddPullRequest(sha string, pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pulls[sha] = append(s.pulls[sha], pr)
}

// Comments returns copies of the comments on issue, oldest first.
func (s *Server) Comments(issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if c.Issue == issue {
			out = append(out, *c)
		}
	}
	return out
}

// Comment returns a copy of comment id.
func (s *Server) Comment(id int64) (Comment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.comments {
		if c.ID == id {
			return *c, true
		}
	}
	return Comment{}, false
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many requests used method (any when "").
func (s *Server) Count(method string) int {
	n := 0
	for _, r := range s.Requests() {
		if method == "" || r.Method == method {
			n++
		}
	}
	return n
}

// Reset forgets the requests received so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	if s.token != "" && r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if s.forbidWrites && (r.Method == http.MethodPost || r.Method == http.MethodPatch) {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	if s.writeStatus != 0 && (r.Method == http.MethodPost || r.Method == http.MethodPatch) {
		writeError(w, s.writeStatus, s.writeMessage)
		return
	}
	switch {
	case r.URL.Path == "/user" && r.Method == http.MethodGet:
		if s.account.Kind != PersonalToken {
			writeError(w, http.StatusForbidden, "Resource not accessible by integration")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"login": s.account.Login, "type": s.account.UserType})
		return
	case r.URL.Path == "/app" && r.Method == http.MethodGet:
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	// repos/{owner}/{repo}/...
	if len(parts) < 4 || parts[0] != "repos" {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	rest := parts[3:]
	switch {
	case len(rest) == 3 && rest[0] == "issues" && rest[2] == "comments":
		issue, err := strconv.Atoi(rest[1])
		if err != nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			s.list(w, r, issue)
		case http.MethodPost:
			body, ok := readBody(w, r)
			if !ok {
				return
			}
			s.nextID++
			c := &Comment{ID: s.nextID, Issue: issue, Login: s.account.Login, UserType: s.account.UserType, Body: body}
			s.comments = append(s.comments, c)
			writeJSON(w, http.StatusCreated, commentJSON(c))
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		}
	case len(rest) == 3 && rest[0] == "issues" && rest[1] == "comments":
		id, _ := strconv.ParseInt(rest[2], 10, 64)
		var c *Comment
		for _, x := range s.comments {
			if x.ID == id {
				c = x
			}
		}
		if c == nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		switch r.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, commentJSON(c))
		case http.MethodPatch:
			body, ok := readBody(w, r)
			if !ok {
				return
			}
			c.Body = body
			writeJSON(w, http.StatusOK, commentJSON(c))
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		}
	case len(rest) == 3 && rest[0] == "commits" && rest[2] == "pulls" && r.Method == http.MethodGet:
		out := []map[string]any{}
		for _, pr := range s.pulls[rest[1]] {
			m := map[string]any{
				"number":           pr.Number,
				"state":            "closed",
				"merged_at":        nil,
				"merge_commit_sha": pr.MergeCommitSHA,
				"base":             map[string]any{"sha": pr.BaseSHA},
			}
			if pr.Merged {
				m["merged_at"] = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Format(time.RFC3339)
			} else {
				m["state"] = "open"
			}
			out = append(out, m)
		}
		writeJSON(w, http.StatusOK, out)
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

// list serves one page of an issue's comments with GitHub's Link header.
func (s *Server) list(w http.ResponseWriter, r *http.Request, issue int) {
	var all []*Comment
	for _, c := range s.comments {
		if c.Issue == issue {
			all = append(all, c)
		}
	}
	per := s.pageSize
	if p, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && p > 0 && p < per {
		per = p
	}
	page := 1
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 0 {
		page = p
	}
	last := max(1, (len(all)+per-1)/per)
	lo := min(len(all), (page-1)*per)
	hi := min(len(all), lo+per)
	if page < last {
		link := func(p int, rel string) string {
			return fmt.Sprintf(`<http://%s/api/v3%s?page=%d&per_page=%d>; rel="%s"`, r.Host, r.URL.Path, p, per, rel)
		}
		w.Header().Set("Link", link(page+1, "next")+", "+link(last, "last"))
	}
	out := []map[string]any{}
	for _, c := range all[lo:hi] {
		out = append(out, commentJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func commentJSON(c *Comment) map[string]any {
	return map[string]any{
		"id":   c.ID,
		"body": c.Body,
		"user": map[string]any{"login": c.Login, "type": c.UserType},
	}
}

func readBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Body *string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request: body is required")
		return "", false
	}
	if len(*in.Body) > 65536 {
		writeError(w, http.StatusUnprocessableEntity, "Body is too long (maximum is 65536 characters)")
		return "", false
	}
	return *in.Body, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"message": msg, "documentation_url": "https://docs.github.com/rest"})
}
