package js_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/templive/templive/js"
)

func TestHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(js.Handler())
	defer srv.Close()

	tests := []struct {
		name        string
		method      string
		ifNoneMatch string
		status      int
		body        []byte
	}{
		{"a GET gets the bundle", http.MethodGet, "", http.StatusOK, js.Bundle},
		{"a matching If-None-Match gets 304", http.MethodGet, js.ETag(), http.StatusNotModified, nil},
		{"another ETag gets the bundle", http.MethodGet, `"old"`, http.StatusOK, js.Bundle},
		{"HEAD gets headers only", http.MethodHead, "", http.StatusOK, nil},
		{"POST is refused", http.MethodPost, "", http.StatusMethodNotAllowed, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ifNoneMatch != "" {
				req.Header.Set("If-None-Match", tc.ifNoneMatch)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body bytes.Buffer
			body.ReadFrom(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if tc.body != nil && !bytes.Equal(body.Bytes(), tc.body) {
				t.Errorf("body differs from js.Bundle (%d bytes, want %d)", body.Len(), len(tc.body))
			}
			if tc.status == http.StatusMethodNotAllowed {
				return
			}
			if got := res.Header.Get("ETag"); got != js.ETag() || got[0] != '"' {
				t.Errorf("ETag %q, want strong %q", got, js.ETag())
			}
			if tc.status == http.StatusOK && res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("Content-Type %q", res.Header.Get("Content-Type"))
			}
			if res.Header.Get("Cache-Control") == "" {
				t.Error("no Cache-Control")
			}
		})
	}
}
