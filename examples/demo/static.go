package main

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// static holds the demo's stylesheet and scripts, served at /static/.
//
//go:embed static
var static embed.FS

// staticHandler serves the embedded files under /static/, and nothing
// else: a directory is not found rather than listed, so what the demo
// ships is no one's business but the pages that link to it.
func staticHandler() http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if fi, err := fs.Stat(static, name); err != nil || fi.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
