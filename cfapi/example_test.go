package cfapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/ztsync/ztsync/cfapi"
	"github.com/ztsync/ztsync/cfapi/emulator"
	"github.com/ztsync/ztsync/schema"
)

// Example reads an organization, creating it when it does not exist, then
// changes one field with a read-modify-write.
func Example() {
	// An in-process emulator stands in for api.cloudflare.com.
	srv := httptest.NewServer(emulator.New(emulator.Options{Token: "example-token"}))
	defer srv.Close()

	// Bound the whole run: a wait the API asks for never outlasts it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client, err := cfapi.New(cfapi.Options{
		BaseURL:    srv.URL + emulator.PathPrefix,
		Token:      "example-token",
		MaxRetries: 4,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := schema.Scope{Kind: schema.KindAccount, Name: "prod", ID: "0123456789abcdef0123456789abcdef"}

	org, err := client.GetOrganization(ctx, s)
	if errors.Is(err, cfapi.ErrNotFound) {
		fmt.Println("no organization yet")
		org, err = client.CreateOrganization(ctx, s, schema.Object{
			"name": "Acme", "auth_domain": "acme.cloudflareaccess.com",
		})
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	// A PUT replaces the whole object: send every field the scope's API
	// takes, and no response-only one (created_at, ...).
	body := schema.Object{}
	for k, v := range org {
		if schema.Writable(s.Kind, k) {
			body[k] = v
		}
	}
	body["session_duration"] = "12h"
	org, err = client.UpdateOrganization(ctx, s, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(org["name"], org["session_duration"])
	fmt.Println(client.Stats().Requests)
	// Output:
	// no organization yet
	// Acme 12h
	// map[GET:1 POST:1 PUT:1]
}
