package js

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// Bundle is the minified client (js/dist/templive.min.js): an IIFE that starts the
// live views of the page and exposes window.templive. Do not modify it.
//
//go:embed dist/templive.min.js
var Bundle []byte

// etag is the strong validator of Bundle, which only changes with the binary.
var etag = func() string {
	sum := sha256.Sum256(Bundle)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// Handler serves Bundle on GET and HEAD with a strong ETag (a matching
// If-None-Match gets 304). Browsers revalidate it on every page load, which costs a
// 304 and guarantees they never run a client older than the server that sent the
// page. The handler is safe for concurrent use.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, no-cache")
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, "templive.js", time.Time{}, bytes.NewReader(Bundle))
	})
}
