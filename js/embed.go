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

// UploadBundle is the upload module (js/dist/templive-upload.min.js): an ES
// module that Bundle imports on pages with a [live-upload] input only, so
// that other pages never load it. Do not modify it.
//
//go:embed dist/templive-upload.min.js
var UploadBundle []byte

// CommandsBundle is the client commands module (js/dist/templive-commands.min.js):
// an ES module that Bundle imports on pages whose bindings hold client commands
// (live.JS), or when a view sends commands with Socket.Exec. Do not modify it.
//
//go:embed dist/templive-commands.min.js
var CommandsBundle []byte

// LongPollBundle is the long-poll module (js/dist/templive-longpoll.min.js):
// an ES module that Bundle imports only when a WebSocket could not connect,
// or when an earlier page of the tab fell back to long-poll. Do not modify
// it.
//
//go:embed dist/templive-longpoll.min.js
var LongPollBundle []byte

// etag is the strong validator of Bundle, which only changes with the binary.
var etag, uploadETag, commandsETag, longPollETag = etagOf(Bundle), etagOf(UploadBundle), etagOf(CommandsBundle), etagOf(LongPollBundle)

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// UploadHandler serves UploadBundle as Handler serves Bundle, from next to
// it: at /live/templive-upload.js when Bundle is at /live/templive.js.
func UploadHandler() http.Handler { return serve("templive-upload.js", UploadBundle, uploadETag) }

// CommandsHandler serves CommandsBundle as Handler serves Bundle, from next
// to it: at /live/templive-commands.js when Bundle is at /live/templive.js.
func CommandsHandler() http.Handler {
	return serve("templive-commands.js", CommandsBundle, commandsETag)
}

// LongPollHandler serves LongPollBundle as Handler serves Bundle, from next
// to it: at /live/templive-longpoll.js when Bundle is at /live/templive.js.
func LongPollHandler() http.Handler {
	return serve("templive-longpoll.js", LongPollBundle, longPollETag)
}

// Handler serves Bundle on GET and HEAD with a strong ETag (a matching
// If-None-Match gets 304). Browsers revalidate it on every page load, which costs a
// 304 and guarantees they never run a client older than the server that sent the
// page. The handler is safe for concurrent use.
func Handler() http.Handler { return serve("templive.js", Bundle, etag) }

// serve serves one bundle.
func serve(name string, bundle []byte, etag string) http.Handler {
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
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(bundle))
	})
}
