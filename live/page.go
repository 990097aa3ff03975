package live

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/render"
	"github.com/templive/templive/token"
)

// servePage answers a page's GET: mount disconnected, render, and wrap the
// view in the layout with its session token. It does not wait for the
// async tasks Mount started: they stop when it returns, unless the view is
// parked for adoption.
func (srv *Server) servePage(w http.ResponseWriter, r *http.Request, rt *route) {
	ctx := r.Context()
	secret := csrfSecret(w, r)
	var sess Session
	if srv.opts.Session != nil {
		var err error
		if sess, err = srv.opts.Session(r); err != nil {
			srv.logger.Error("session failed", "path", r.URL.Path, "err", err)
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
	}
	u := requestURL(r)
	s := &Socket{srv: srv, id: newViewID(), session: sess, url: u, csrf: srv.csrfToken(secret), ctx: ctx}
	s.flash = srv.takeFlashCookie(w, r)
	parked := false
	defer func() {
		if !parked {
			// The async tasks Mount started have no view to go to.
			s.async.stop()
		}
	}()

	view := rt.newView()
	srv.mounts.Add(1)
	err := mountView(ctx, view, s, rt, rt.values(r), srv.groupHooks(rt.group))
	if err != nil {
		srv.pageFailed(w, r, rt, "mount failed", err)
		return
	}
	if err := s.checkTargets(); err != nil {
		srv.pageFailed(w, r, rt, "mount failed", err)
		return
	}
	if to := s.leavingTo(); to != "" {
		srv.setFlashCookie(w, r, s.flash)
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	html, err := renderGET(context.WithValue(ctx, socketKey{}, s), view.Render)
	if err != nil {
		srv.pageFailed(w, r, rt, "render failed", err)
		return
	}
	session, err := token.Sign(srv.signer, saltSession, sessionToken{ID: s.id, Route: rt.pattern, Session: sess, Flash: s.flash})
	if err != nil {
		srv.logger.Error("session token not signed", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}

	root := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<div id="%s" data-live-root data-live-session="%s">`, s.id, session); err != nil {
			return err
		}
		if _, err := w.Write(html); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</div>`)
		return err
	})
	pageCtx := templ.WithChildren(context.WithValue(context.WithValue(ctx, socketKey{}, s), layoutKey{}, s), root)
	page, err := renderGET(pageCtx, func() templ.Component { return srv.layout(s.title) })
	if err != nil {
		srv.pageFailed(w, r, rt, "layout render failed", err)
		return
	}
	srv.checkHead(page, rt)
	if srv.opts.MountOnce {
		srv.parked.put(s.id, &parkedView{view: view, route: rt, socket: s, html: html})
		parked = true
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(page)
}

// checkHead warns, once, when a page the layout rendered lacks the client
// script: such a page renders but never connects, and nothing else would
// say why.
func (srv *Server) checkHead(page []byte, rt *route) {
	if srv.headSeen.Load() {
		return
	}
	if bytes.Contains(page, []byte(`src="/live/templive.js"`)) {
		srv.headSeen.Store(true)
		if !bytes.HasPrefix(bytes.ToLower(bytes.TrimSpace(page)), []byte("<!doctype html>")) {
			// In quirks mode the browser parses some markup (a table in a
			// <p>) unlike the server, and patches would go astray.
			srv.logger.Warn("the layout does not start with <!DOCTYPE html>; browsers then parse in quirks mode, unlike the server", "route", rt.pattern)
		}
		return
	}
	if srv.headMissing.CompareAndSwap(false, true) {
		srv.logger.Warn("the layout renders no client script, so pages never connect: render @live.Head() in its <head>",
			"route", rt.pattern)
	}
}

// mountView runs the mount hooks and Mount, observed as an [OpMount],
// then the params hooks and, if the view has one, HandleParams, observed
// as an [OpParams]. A hook that sends the browser elsewhere halts it. Its
// error, or a panic, is a [channel.CrashError] naming which. The route's
// mount latencies count all of it.
func mountView(ctx context.Context, v View, s *Socket, rt *route, params url.Values, hooks []MountHook) (err error) {
	start := time.Now()
	defer func() { rt.stats.mounts.record(time.Since(start)) }()
	op := Op{Kind: OpMount, Route: rt.pattern, ViewID: s.id, Connected: s.connected}
	var ob observing
	mctx := s.srv.observe(ctx, &ob, op)
	err = mount(mctx, v, s, params, hooks)
	ob.end(mctx, &err)
	if err != nil || s.leavingTo() != "" {
		return err
	}
	op.Kind = OpParams
	return s.runParams(ctx, op, v, params)
}

// mount runs the mount hooks and, unless one sends the browser elsewhere,
// v's Mount.
func mount(ctx context.Context, v View, s *Socket, params url.Values, hooks []MountHook) (err error) {
	cb := callback{name: "Mount"}
	defer func() {
		if p := recover(); p != nil {
			err = panicked(cb.op(), p)
		}
	}()
	for i, h := range hooks {
		cb = callback{name: fmt.Sprintf("mount hook %d", i)}
		if err := h(ctx, s, v, params); err != nil {
			return cb.failed(err)
		}
		if s.leavingTo() != "" {
			return nil
		}
	}
	cb = callback{name: "Mount"}
	return cb.failed(v.Mount(ctx, s, params))
}

// runParams runs the params hooks and, unless one halted, v's
// HandleParams if it has one, observed as op, an [OpParams].
func (s *Socket) runParams(ctx context.Context, op Op, v View, params url.Values) (err error) {
	ph, ok := v.(ParamsHandler)
	if !ok && len(s.hooks) == 0 {
		return nil
	}
	var ob observing
	ctx = s.srv.observe(ctx, &ob, op)
	defer ob.end(ctx, &err)
	if halted, err := s.paramsHooks(ctx, params); err != nil || halted || !ok {
		return err
	}
	cb := callback{name: "HandleParams"}
	defer recoverCrash(&err, cb)
	return cb.failed(ph.HandleParams(ctx, s, params))
}

// renderGET renders the component c returns for a page's GET, turning a
// panic into a [channel.CrashError] of Render with its stack: on the GET no
// channel catches it, and net/http's own recovery would drop the
// connection with nothing to show.
func renderGET(ctx context.Context, c func() templ.Component) (html []byte, err error) {
	defer recoverCrash(&err, callback{name: "Render"})
	return render.Component(ctx, c())
}

// requestURL returns the absolute URL of a request.
func requestURL(r *http.Request) *url.URL {
	u := *r.URL
	u.Host = r.Host
	u.Scheme = "http"
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return &u
}

// Head renders what a layout's <head> needs for live views: the CSRF token
// and the client script, and in development mode ([Options.Dev]) the
// script that turns templ's watch-mode reloads into rejoins.
func Head() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		token, dev := "", false
		if s := SocketFrom(ctx); s != nil {
			token, dev = s.csrf, s.srv.opts.Dev
		}
		_, err := fmt.Fprintf(w, `<meta name="csrf-token" content="%s"><script defer src="/live/templive.js"></script>`, templ.EscapeString(token))
		if err == nil && dev {
			_, err = io.WriteString(w, `<script defer src="`+devScriptPath+`"></script>`)
		}
		return err
	})
}

// defaultLayout is a minimal HTML5 document around the view.
func defaultLayout(title string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>%s</title>`, templ.EscapeString(title)); err != nil {
			return err
		}
		if err := Head().Render(ctx, w); err != nil {
			return err
		}
		if _, err := io.WriteString(w, `</head><body>`); err != nil {
			return err
		}
		if err := templ.GetChildren(ctx).Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</body></html>`)
		return err
	})
}
