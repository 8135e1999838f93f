package gentree

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Package is the package clause of every generated file.
const Package = "bench"

// Tree returns the files (name -> content) of a configuration with the
// given numbers of accounts and zones spread evenly over files files.
// Names are f0000.cue, f0001.cue, ... in one directory. The output is
// deterministic.
func Tree(accounts, zones, files int) map[string][]byte {
	if files < 1 {
		files = 1
	}
	bufs := make([]strings.Builder, files)
	for i := range bufs {
		fmt.Fprintf(&bufs[i], "package %s\n\n", Package)
	}
	for i := 0; i < accounts; i++ {
		writeAccount(&bufs[i%files], i)
	}
	for i := 0; i < zones; i++ {
		writeZone(&bufs[i%files], i)
	}
	out := make(map[string][]byte, files)
	for i := range bufs {
		out[fmt.Sprintf("f%04d.cue", i)] = []byte(bufs[i].String())
	}
	return out
}

// id returns a deterministic 32-hex-character id for kind and i.
func id(kind string, i int) string {
	s := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, i))
	return hex.EncodeToString(s[:16])
}

func writeAccount(b *strings.Builder, i int) {
	fmt.Fprintf(b, `accounts: "account-%05d": {
	id: %q
	organization: {
		name:                               "Account %d"
		auth_domain:                        "team-%d.cloudflareaccess.com"
		session_duration:                   "%dh"
		warp_auth_session_duration:         "%dm"
		user_seat_expiration_inactive_time: "730h"
		allow_authenticate_via_warp:        %t
		is_ui_read_only:                    %t
		login_design: {
			background_color: "#c5ed1b"
			text_color:       "#fff"
			logo_path:        "https://example.com/logo-%d.png"
			header_text:      "Welcome to account %d"
		}
		deny_unmatched_requests: true
		deny_unmatched_requests_exempted_zone_names: ["a%d.example.com", "b%d.example.com"]
	}
	doh: doh_jwt_duration: "800h"
	revoke: "user%d@example.com": {devices: true, reason: "offboarded"}
}
`, i, id("account", i), i, i, 1+i%24, 30+i%60, i%2 == 0, i%3 == 0, i, i, i, i, i)
}

func writeZone(b *strings.Builder, i int) {
	fmt.Fprintf(b, `zones: "zone%05d.example.com": {
	id: %q
	organization: {
		name:            "Zone %d"
		auth_domain:     "zone%d.example.com"
		is_ui_read_only: %t
		login_design: header_text: "Zone %d"
	}
}
`, i, id("zone", i), i, i, i%2 == 0, i)
}
