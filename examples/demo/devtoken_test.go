package main

import (
	"net/http"
	"testing"
)

// TestDevDisconnectRefusesOtherSites posts to /dev/disconnect as a page of
// another site could, and as the demo's own tools do.
func TestDevDisconnectRefusesOtherSites(t *testing.T) {
	t.Parallel()
	addr := serveWith(t, config{dev: true})
	tests := []struct {
		name   string
		header http.Header
		status int
	}{
		{"another site's origin is refused", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"a cross-site fetch without an origin is refused", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"the site's own origin is served", http.Header{"Origin": {"http://" + addr}}, http.StatusNoContent},
		{"a tool that sends no origin is served", http.Header{}, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/dev/disconnect?user=ada", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tt.header
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}
