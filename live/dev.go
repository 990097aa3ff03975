package live

import (
	_ "embed"
	"errors"
	"html/template"
	"net/http"

	"github.com/templive/templive/live/channel"
)

// devScript is the page script of development mode (see [Options.Dev]):
// it turns templ's watch-mode reloads into rejoins over the live socket.
//
//go:embed dev.js
var devScript []byte

// devScriptPath is where a server in development mode serves devScript.
const devScriptPath = "/live/dev.js"

// serveDevScript serves devScript; it is routed only in development mode.
func serveDevScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(devScript)
}

// pageFailed answers a page's GET whose view or layout failed: it logs the
// error and sends 500, with the error and, for a panic, its stack in
// development mode, and nothing of them otherwise — internals never reach
// the browser of a production server.
func (srv *Server) pageFailed(w http.ResponseWriter, r *http.Request, rt *route, msg string, err error) {
	srv.logger.Error(msg, append([]any{"route", rt.pattern}, crashAttrs(err)...)...)
	if !srv.opts.Dev {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	page := devErrorPage{What: msg, Path: r.URL.Path, Route: rt.pattern, Err: err.Error()}
	if ce, ok := errors.AsType[*channel.CrashError](err); ok {
		// What the view's callback did, not the channel's wording.
		page.Err, page.Stack = ce.Op+": "+ce.Err.Error(), string(ce.Stack)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusInternalServerError)
	devErrorTemplate.Execute(w, page)
}

// devErrorPage is what the development error page shows.
type devErrorPage struct {
	What  string // "mount failed"
	Path  string // the request's path
	Route string // the page's pattern
	Err   string
	Stack string // the panic's goroutine stack, if it was a panic
}

// devErrorTemplate renders a devErrorPage. html/template escapes the error
// and the stack: both may hold what a request carried.
var devErrorTemplate = template.Must(template.New("dev-error").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>500 · {{.What}} · {{.Path}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{font-size:1.4rem;color:#a11}
pre{background:#f6f6f6;border:1px solid #ddd;padding:1rem;overflow:auto;white-space:pre-wrap}
.note{color:#666;font-size:.9rem}
</style>
</head>
<body>
<h1>{{.What}}: {{.Path}}</h1>
<p>The page <code>{{.Route}}</code> could not be served.</p>
<pre id="live-dev-error">{{.Err}}</pre>
{{if .Stack}}<h2>Stack</h2>
<pre id="live-dev-stack">{{.Stack}}</pre>
{{end}}<p class="note">This page shows because live.Options.Dev is set. In production the
browser gets a plain 500 and the error goes to the log only.</p>
</body>
</html>
`))
