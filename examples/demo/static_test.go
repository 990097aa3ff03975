package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStaticServesFilesButListsNoDirectory(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(newTestApp(t).mux)
	t.Cleanup(ts.Close)
	tests := []struct {
		name, path string
		status     int
	}{
		{"a file is served", "/static/demo.css", http.StatusOK},
		{"the directory is not listed", "/static/", http.StatusNotFound},
		{"the directory without its slash is not listed", "/static", http.StatusNotFound},
		{"a dot segment does not reach the directory", "/static/./", http.StatusNotFound},
		{"a missing file is not found", "/static/nothing.css", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := http.Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d:\n%s", resp.StatusCode, tt.status, body)
			}
			if strings.Contains(string(body), "demo.css</a>") {
				t.Fatalf("the response lists the files:\n%s", body)
			}
		})
	}
}
