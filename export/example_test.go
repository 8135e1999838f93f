package export_test

import (
	"fmt"
	"os"
	"time"

	"github.com/ztsync/ztsync/export"
	"github.com/ztsync/ztsync/schema"
)

func ExampleCUE() {
	err := export.CUE(os.Stdout, export.Input{
		Scope: schema.Scope{Kind: schema.KindAccount, ID: "699d98642c564d2e855e9661899b7252"},
		Organization: schema.Object{
			"name":                      "Widget Corps",
			"auth_domain":               "widgetcorps.cloudflareaccess.com",
			"session_duration":          "24h",
			"is_ui_read_only":           false,
			"deny_unmatched_requests":   true,
			"login_design":              map[string]any{},
			"created_at":                "2024-09-05T03:00:41Z",
			"has_migrated_private_apps": true,
		},
		DoH:    schema.Object{"id": "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b", "doh_jwt_duration": "800h"},
		Source: "https://api.cloudflare.com/client/v4",
		Time:   time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC),
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// // Exported by ztsync export from https://api.cloudflare.com/client/v4 at 2026-11-22T10:00:00Z; edit freely.
	// // Only the fields written here are managed; false booleans and empty values
	// // were left out (ztsync export --all-fields writes the false booleans too).
	// package ztsync
	//
	// accounts: widgetcorps: {
	// 	id: "699d98642c564d2e855e9661899b7252"
	// 	organization: {
	// 		name:                    "Widget Corps"
	// 		auth_domain:             "widgetcorps.cloudflareaccess.com"
	// 		session_duration:        "24h"
	// 		deny_unmatched_requests: true
	// 	}
	// 	doh: {
	// 		doh_jwt_duration: "800h"
	// 		service_token_id: "3e1b6a1c-5d4e-4a34-9a2c-0c9c8f0e1d2b"
	// 	}
	// }
}
