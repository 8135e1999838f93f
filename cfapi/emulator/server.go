package emulator

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
)

// TB is the part of testing.TB NewServer uses. It is spelled out so that
// this package, which the ztsync binary links for its emulator command,
// does not import testing; a *testing.T satisfies it.
type TB interface {
	Helper()
	Cleanup(func())
	Output() io.Writer
}

// Server is an Emulator served over HTTP by httptest for one test.
type Server struct {
	*Emulator
	// URL is the base URL of the API, PathPrefix included, without a
	// trailing slash: "http://127.0.0.1:PORT/client/v4".
	URL string

	srv *httptest.Server
}

// NewServer starts an Emulator with opts on a local port and closes it when
// the test ends (t.Cleanup). When opts.Logger is nil, requests are logged
// to t.Output, so they show only for failing or -v tests.
func NewServer(t TB, opts Options) *Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{
			ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{} // keep test output stable
				}
				return a
			},
		}))
	}
	e := New(opts)
	s := &Server{Emulator: e, srv: httptest.NewServer(e)}
	s.URL = s.srv.URL + PathPrefix
	t.Cleanup(s.Close)
	return s
}

// Client returns an *http.Client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close ends any injected latency and shuts the server down; the test's
// cleanup does it too.
func (s *Server) Close() {
	s.shutdown()
	s.srv.Close()
}
