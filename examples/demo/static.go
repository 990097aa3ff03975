package main

import (
	"embed"
	"net/http"
)

// static holds the demo's stylesheet, served at /static/.
//
//go:embed static
var static embed.FS

// staticHandler serves the embedded files under /static/.
func staticHandler() http.Handler {
	return http.FileServerFS(static)
}
