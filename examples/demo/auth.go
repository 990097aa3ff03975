package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/token"
)

// The sign-in of the demo: a user picks a name, kept in a signed cookie.
// Live views see it through their session (live.Options.Session), and pages
// that use Channels render a socket token for that user, as Phoenix apps do.
const (
	userCookie     = "demo_user"
	userCookieSalt = "demo user cookie"
	userCookieAge  = 7 * 24 * time.Hour
	maxNameLen     = 32
)

// auth signs users in and out with a signed cookie.
//
// Signing out clears the cookie and closes the user's open connections
// (signedOut), so that their tabs reconnect without the user. It revokes
// nothing signed before: a page's live session, signed when the page was
// served, still names the user, and a tab that kept its page rejoins with
// it until it expires (live.Options.SessionMaxAge). Refusing those joins
// takes a server-side record of sign-outs that live.Options.Authorize
// checks — a signed-out-at time per user, shared by every node (the
// demo's nodes share only PubSub) — which the demo leaves out.
type auth struct {
	signer *token.Signer
	// signedOut closes the connections of a user who signed out, on every
	// node; nil does nothing.
	signedOut func(ctx context.Context, user string) error
}

// user returns the name of the signed-in user, or "".
func (a *auth) user(r *http.Request) string {
	c, err := r.Cookie(userCookie)
	if err != nil {
		return ""
	}
	name, err := token.Verify[string](a.signer, userCookieSalt, c.Value, userCookieAge)
	if err != nil {
		return ""
	}
	return name
}

// liveSocketID is the live.Options.SocketID of the demo: a socket opened
// with a user's cookie is named for the user, so that signing out closes
// it. (Not "user:<id>", which is the user's notifications topic: a socket
// ID is a topic too, and a burst of notifications would disconnect it.)
func liveSocketID(s live.Session) string {
	if user := s.Get("user"); user != "" {
		return "live_socket:" + user
	}
	return ""
}

// session is the live.Options.Session of the demo: the signed-in user.
func (a *auth) session(r *http.Request) (live.Session, error) {
	if name := a.user(r); name != "" {
		return live.Session{"user": name}, nil
	}
	return nil, nil
}

// mount routes the sign-in form's post and the sign-out; the form itself
// is a live view (Signin).
func (a *auth) mount(mux *http.ServeMux) {
	mux.HandleFunc("POST /signin", a.signin)
	mux.HandleFunc("POST /signout", a.signout)
	mux.Handle("GET /chat", chatHandler(a))
}

func (a *auth) renderSignin(w http.ResponseWriter, r *http.Request, next, problem string, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	signinPage(next, problem).Render(r.Context(), w)
}

// sameOrigin reports whether a form post comes from this site: together
// with SameSite=Lax cookies, it is the demo's CSRF protection for plain
// forms (live views have their own tokens). The scheme counts as well as
// the host, as in the channel socket's origin check: a page served over
// plain http (a network attacker's) is another origin than the https site.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return err == nil && u.Scheme == scheme && u.Host == r.Host
}

// maxSigninBytes bounds the body of a sign-in post. A name and a path
// take far less; without it, net/http reads up to 10 MB of form into
// memory for each post.
const maxSigninBytes = 16 << 10

func (a *auth) signin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site form post refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxSigninBytes)
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, "sign-in form too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "malformed sign-in form", http.StatusBadRequest)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	next := r.PostFormValue("next")
	if problem := validName(name); problem != "" {
		a.renderSignin(w, r, next, problem, http.StatusUnprocessableEntity)
		return
	}
	tok, err := token.Sign(a.signer, userCookieSalt, name)
	if err != nil {
		http.Error(w, "sign-in failed", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: userCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(userCookieAge / time.Second), Secure: r.TLS != nil})
	// next comes from the query string of a link anyone can craft: only a
	// path on this site is followed, as the browser will read it.
	if !live.IsLocalPath(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *auth) signout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site form post refused", http.StatusForbidden)
		return
	}
	user := a.user(r)
	http.SetCookie(w, &http.Cookie{Name: userCookie, Path: "/", MaxAge: -1})
	if user != "" && a.signedOut != nil {
		if err := a.signedOut(r.Context(), user); err != nil {
			http.Error(w, "sign-out failed", http.StatusInternalServerError)
			return
		}
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// validName explains what is wrong with a name, or returns "".
func validName(name string) string {
	switch {
	case name == "":
		return "Pick a name."
	case len(name) > maxNameLen:
		return "That name is too long."
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_' {
			return "Use letters, digits, spaces, - and _ only."
		}
	}
	return ""
}

// currentUser returns the signed-in user of the page being rendered: a
// live view's session, or what a plain page put in its context.
func currentUser(ctx context.Context) string {
	if s := live.SocketFrom(ctx); s != nil {
		return s.Session().Get("user")
	}
	user, _ := ctx.Value(userKey{}).(string)
	return user
}

// withChildren renders c where a layout says { children... }.
func withChildren(ctx context.Context, c templ.Component) context.Context {
	return templ.WithChildren(ctx, c)
}
