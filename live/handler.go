package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/js"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/render"
)

// Defaults of [Options].
const (
	DefaultSessionMaxAge = 24 * time.Hour
	DefaultParkedViews   = 1000
	DefaultParkedFor     = 10 * time.Second
	// DefaultViewMailbox is the capacity of a view's PubSub mailbox. A view
	// drains its mailbox before every render, so it rarely holds more than
	// a few messages; one that falls 64 behind is crashed and remounted
	// (it rereads its state) rather than fed stale messages. Every
	// connected view allocates its mailbox whole: 32 bytes a slot.
	DefaultViewMailbox = 64
)

// Options configures a [Server]. Secret and PubSub are required; the zero
// value of every other field means its default.
type Options struct {
	// Secret signs session tokens and derives CSRF tokens: at least 32
	// random bytes, the same on every node.
	Secret []byte
	// PubSub carries the messages views subscribe to. The server does not
	// close it.
	PubSub *pubsub.PubSub
	// Layout wraps every page: a templ component that renders
	// { children... } where the view goes and @live.Head() in its <head>.
	// It is called with the page's title. The default is a minimal HTML5
	// document.
	Layout func(title string) templ.Component
	// Session extracts the session data a page is served with, typically
	// the signed-in user's id from the request's cookie. It is signed into
	// the page and handed to the view on connect. Nil serves every page
	// with an empty session; an error answers the GET with 500.
	Session func(r *http.Request) (Session, error)
	// SessionMaxAge is how long a served page can still connect (default
	// 24 h). A browser that joins with an older page reloads it.
	SessionMaxAge time.Duration
	// SocketID names the live connections of one user, such as
	// "user:42", from the session the socket's request carries (the same
	// cookies as the pages; Session must be set), so that
	// [Server.Disconnect] can close them all on sign-out. Nil leaves
	// connections unnamed.
	SocketID func(Session) string
	// MountOnce lets a view mounted for a page's GET be adopted by the
	// browser's join instead of being mounted a second time, when the join
	// reaches this node within ParkedFor (see [Socket.Adopted]).
	MountOnce bool
	// ParkedViews bounds the views kept for adoption (default 1000); the
	// oldest go first. ParkedFor is how long one is kept (default 10 s):
	// crawlers and clients without JS never join.
	ParkedViews int
	ParkedFor   time.Duration
	// Socket tunes the live socket's limits. Its Connect, ID and PubSub
	// fields are the server's own: NewServer panics if they are set. Its
	// MailboxSize is each view's PubSub mailbox, [DefaultViewMailbox] if
	// zero.
	Socket channel.SocketOptions[struct{}]
	// Logger receives view crashes and errors; the default is
	// [slog.Default].
	Logger *slog.Logger
}

// A Server serves live views: the pages (their first, static render) and
// the live socket the browser connects to, under "/live/". Register views
// with [Server.Page], then route requests to the Server:
//
//	lv := live.NewServer(live.Options{Secret: secret, PubSub: ps})
//	lv.Page("/counter", func() live.View { return &Counter{} })
//	mux.Handle("/", lv)
//
// A Server is safe for concurrent use. Whoever creates it calls
// [Server.Shutdown], which closes every live connection and waits for the
// views to end.
type Server struct {
	opts    Options
	ps      *pubsub.PubSub
	signer  *Signer
	logger  *slog.Logger
	layout  func(string) templ.Component
	pages   *http.ServeMux
	socket  *channel.Socket[liveConn]
	js      http.Handler
	parked  *parking
	patches *patchCache
	views   sync.Map // view id → *viewChannel, while connected
	routes  sync.Map // pattern → *route

	mounts, adoptions     atomic.Int64
	headSeen, headMissing atomic.Bool // the layout renders live.Head; a page without it was reported
}

// Stats counts mounts, for measuring "mount once".
type Stats struct {
	// Mounts is how many times a view's Mount ran, disconnected or not.
	Mounts int64
	// Adoptions is how many joins adopted the instance of their GET.
	Adoptions int64
	// Parked is how many views wait for adoption now.
	Parked int
}

// Stats returns the server's counters.
func (srv *Server) Stats() Stats {
	return Stats{Mounts: srv.mounts.Load(), Adoptions: srv.adoptions.Load(), Parked: srv.parked.len()}
}

// NewServer returns a Server. It panics when Options.Secret is shorter than
// 32 bytes or Options.PubSub is nil: both are programming errors.
func NewServer(opts Options) *Server {
	if opts.PubSub == nil {
		panic("live: NewServer needs Options.PubSub")
	}
	if opts.Socket.Connect != nil || opts.Socket.ID != nil || opts.Socket.PubSub != nil {
		panic("live: Options.Socket.Connect, ID and PubSub are the server's own; use Options.Session, Options.SocketID and Options.PubSub")
	}
	if len(opts.Secret) < 32 {
		panic(fmt.Sprintf("live: NewServer needs Options.Secret of at least 32 random bytes, got %d", len(opts.Secret)))
	}
	srv := &Server{
		opts:    opts,
		ps:      opts.PubSub,
		signer:  NewSigner(opts.Secret),
		logger:  opts.Logger,
		layout:  opts.Layout,
		pages:   http.NewServeMux(),
		js:      js.Handler(),
		patches: newPatchCache(),
	}
	if srv.logger == nil {
		srv.logger = slog.Default()
	}
	if srv.layout == nil {
		srv.layout = defaultLayout
	}
	if srv.opts.SessionMaxAge <= 0 {
		srv.opts.SessionMaxAge = DefaultSessionMaxAge
	}
	parked, parkedFor := opts.ParkedViews, opts.ParkedFor
	if parked <= 0 {
		parked = DefaultParkedViews
	}
	if parkedFor <= 0 {
		parkedFor = DefaultParkedFor
	}
	srv.parked = newParking(parked, parkedFor)

	srv.socket = channel.NewSocket(srv.socketOptions(opts.Socket))
	srv.socket.Channel("lv:*", func(cc *channel.Conn, _ liveConn) channel.Channel {
		return &viewChannel{srv: srv, cc: cc}
	})
	return srv
}

// liveConn is the state of a connection to the live socket: the socket ID
// Options.SocketID gave it, if any.
type liveConn struct {
	id string
}

// socketOptions turns the limits of Options.Socket into the options of the
// live socket, whose Connect checks the CSRF token and names the connection
// with Options.SocketID.
func (srv *Server) socketOptions(limits channel.SocketOptions[struct{}]) channel.SocketOptions[liveConn] {
	mailbox := limits.MailboxSize
	if mailbox <= 0 {
		mailbox = DefaultViewMailbox
	}
	return channel.SocketOptions[liveConn]{
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (liveConn, error) {
			if !srv.validCSRF(info.Params.Get("_csrf_token"), info.Cookies) {
				return liveConn{}, errors.New("live: missing or invalid CSRF token")
			}
			var c liveConn
			if srv.opts.SocketID != nil && srv.opts.Session != nil {
				// The session of the request that opened the socket: the
				// same cookies the pages were served with.
				r := (&http.Request{Header: info.Header, RemoteAddr: info.RemoteAddr}).WithContext(ctx)
				sess, err := srv.opts.Session(r)
				if err != nil {
					return liveConn{}, fmt.Errorf("live: session: %w", err)
				}
				c.id = srv.opts.SocketID(sess)
			}
			// Views need the CSRF cookie and the Origin, not the rest of
			// the request, which every idle connection would keep.
			info.Header, info.Params = nil, nil
			info.Cookies = slices.DeleteFunc(info.Cookies, func(c *http.Cookie) bool { return c.Name != csrfCookie })
			return c, nil
		},
		ID:              func(c liveConn) string { return c.id },
		PubSub:          srv.ps,
		Logger:          srv.logger,
		CheckOrigin:     limits.CheckOrigin,
		AllowedOrigins:  limits.AllowedOrigins,
		MaxChannels:     limits.MaxChannels,
		ReadLimit:       limits.ReadLimit,
		IdleTimeout:     limits.IdleTimeout,
		WriteTimeout:    limits.WriteTimeout,
		OutboundQueue:   limits.OutboundQueue,
		ChannelQueue:    limits.ChannelQueue,
		EventsPerSecond: limits.EventsPerSecond,
		MailboxSize:     mailbox,
	}
}

// Disconnect closes every live connection whose socket ID
// ([Options.SocketID]) is id, on every node of the PubSub: its views end,
// and the browser reconnects with the session it has now — use it when a
// user signs out. It does not wait.
func (srv *Server) Disconnect(ctx context.Context, id string) error {
	return srv.socket.Disconnect(ctx, id)
}

// CheckCSRF reports whether a request carries the CSRF token of the page
// it comes from, in its _csrf_token form field or X-CSRF-Token header, for
// plain form posts and fetches outside the live socket ([Socket.CSRFToken]
// renders the token into a page).
func (srv *Server) CheckCSRF(r *http.Request) bool {
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		token = r.PostFormValue("_csrf_token")
	}
	return srv.validCSRF(token, r.Cookies())
}

// A route is a page registered with [Server.Page].
type route struct {
	pattern string
	params  []string // names of the pattern's wildcards
	newView func() View
	group   string // pages of one group navigate among themselves live
}

// A PageOption configures a page registered with [Server.Page].
type PageOption func(*route)

// Group puts a page in a named group, like Phoenix's live_session: a live
// navigation (live-navigate, [Socket.PushNavigate]) reaches a page of
// another group only through a full page load, so the new page's GET —
// with its own session and its Mount's checks — decides. Use a group per
// authorisation boundary ("admin", "public"). Pages without this option
// form the group "".
func Group(name string) PageOption {
	return func(rt *route) { rt.group = name }
}

// resolveKey marks a request made only to find which route a URL names.
type resolveKey struct{}

// resolution is what a resolving request learns.
type resolution struct {
	route  *route
	params url.Values
}

// wildcard matches the {name} and {name...} segments of a pattern.
var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?:\.\.\.)?\}`)

// Page serves the live view made by newView at pattern, a path pattern of
// [http.ServeMux] without a method ("/rooms/{id}"). Wildcards reach Mount
// as params, with the query's. Register all pages before serving.
func (srv *Server) Page(pattern string, newView func() View, opts ...PageOption) {
	rt := &route{pattern: pattern, newView: newView}
	for _, o := range opts {
		o(rt)
	}
	srv.routes.Store(pattern, rt)
	for _, m := range wildcard.FindAllStringSubmatch(pattern, -1) {
		rt.params = append(rt.params, m[1])
	}
	srv.pages.HandleFunc("GET "+pattern, func(w http.ResponseWriter, r *http.Request) {
		if res, ok := r.Context().Value(resolveKey{}).(*resolution); ok {
			res.route, res.params = rt, rt.values(r)
			return
		}
		srv.servePage(w, r, rt)
	})
}

// values returns the route's params for a request: its query merged with
// its path wildcards.
func (rt *route) values(r *http.Request) url.Values {
	v := r.URL.Query()
	for _, name := range rt.params {
		v.Set(name, r.PathValue(name))
	}
	return v
}

// resolve returns the route and params a URL names.
func (srv *Server) resolve(ctx context.Context, u *url.URL) (*route, url.Values, bool) {
	res := &resolution{}
	r, err := http.NewRequestWithContext(context.WithValue(ctx, resolveKey{}, res), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, false
	}
	srv.pages.ServeHTTP(discard{}, r)
	return res.route, res.params, res.route != nil
}

// discard is a ResponseWriter that writes nowhere.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// ServeHTTP serves the live socket ("/live/websocket"), the client script
// ("/live/templive.js") and the registered pages.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/live/websocket":
		srv.socket.ServeHTTP(w, r)
	case "/live/templive.js":
		srv.js.ServeHTTP(w, r)
	default:
		srv.pages.ServeHTTP(w, r)
	}
}

// Send delivers msg to the [InfoHandler] of the connected view whose id is
// viewID ([Socket.ID]), on the view's goroutine, the way a PubSub message
// arrives: without blocking, under the mailbox's overflow policy. It
// returns [ErrNoView] when no such view is connected to this server.
func (srv *Server) Send(viewID string, msg any) error {
	v, ok := srv.views.Load(viewID)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoView, viewID)
	}
	if !v.(*viewChannel).cc.Mailbox().Send(pubsub.Message{Payload: msg}) {
		return fmt.Errorf("live: send to %s: mailbox full", viewID)
	}
	return nil
}

// A Ping sent to a view with [Server.Send] is answered, once the messages
// before it have been handled and their render sent, by a "pong" push
// carrying Ref. Test harnesses such as livetest use it to know a message
// has taken effect; views never see it.
type Ping struct {
	Ref string
}

// Shutdown closes every live connection, ending their views, and waits for
// them; parked views are dropped. It is idempotent.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.parked.close()
	return srv.socket.Shutdown(ctx)
}

// servePage answers a page's GET: mount disconnected, render, and wrap the
// view in the layout with its session token.
func (srv *Server) servePage(w http.ResponseWriter, r *http.Request, rt *route) {
	ctx := r.Context()
	secret := csrfSecret(w, r)
	var sess Session
	if srv.opts.Session != nil {
		var err error
		if sess, err = srv.opts.Session(r); err != nil {
			srv.logger.Error("live: session", "path", r.URL.Path, "err", err)
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
	}
	u := requestURL(r)
	s := &Socket{srv: srv, id: newViewID(), session: sess, url: u, csrf: srv.csrfToken(secret), ctx: ctx}
	s.flash = srv.takeFlashCookie(w, r)

	view := rt.newView()
	srv.mounts.Add(1)
	err := mountView(ctx, view, s, rt.values(r))
	if err != nil {
		srv.logger.Error("live: mount failed", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if err := s.checkTargets(); err != nil {
		srv.logger.Error("live: mount failed", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if to := s.leavingTo(); to != "" {
		srv.setFlashCookie(w, r, s.flash)
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	html, err := render.Component(context.WithValue(ctx, socketKey{}, s), view.Render())
	if err != nil {
		srv.logger.Error("live: render failed", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	token, err := SignToken(srv.signer, saltSession, sessionToken{ID: s.id, Route: rt.pattern, Session: sess, Flash: s.flash})
	if err != nil {
		srv.logger.Error("live: session token", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}

	root := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<div id="%s" data-live-root data-live-session="%s">`, s.id, token); err != nil {
			return err
		}
		if _, err := w.Write(html); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</div>`)
		return err
	})
	pageCtx := templ.WithChildren(context.WithValue(ctx, socketKey{}, s), root)
	page, err := render.Component(pageCtx, srv.layout(s.title))
	if err != nil {
		srv.logger.Error("live: layout render failed", "route", rt.pattern, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	srv.checkHead(page, rt)
	if srv.opts.MountOnce {
		srv.parked.put(s.id, &parkedView{view: view, route: rt, socket: s})
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
			srv.logger.Warn("live: the layout does not start with <!DOCTYPE html>; browsers then parse in quirks mode, unlike the server", "route", rt.pattern)
		}
		return
	}
	if srv.headMissing.CompareAndSwap(false, true) {
		srv.logger.Warn("live: the layout renders no client script, so pages never connect: render @live.Head() in its <head>",
			"route", rt.pattern)
	}
}

// mountView runs Mount and, if the view has one, HandleParams, turning a
// panic into an error.
func mountView(ctx context.Context, v View, s *Socket, params url.Values) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: panic in mount: %v", ErrViewCrashed, p)
		}
	}()
	if err := v.Mount(ctx, s, params); err != nil {
		return fmt.Errorf("mount: %w", err)
	}
	if ph, ok := v.(ParamsHandler); ok && s.leavingTo() == "" {
		if err := ph.HandleParams(ctx, s, params); err != nil {
			return fmt.Errorf("handle params: %w", err)
		}
	}
	return nil
}

// leavingTo returns where a callback asked to send the browser, if
// anywhere: a redirect, a navigation, or (before connect) a patch.
func (s *Socket) leavingTo() string {
	switch {
	case s.redirectTo != "":
		return s.redirectTo
	case s.navigateTo != "":
		return s.navigateTo
	case !s.connected && s.patchTo != "":
		return s.patchTo
	}
	return ""
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

// takeFlashCookie returns the flash a redirect carried, and clears it.
func (srv *Server) takeFlashCookie(w http.ResponseWriter, r *http.Request) map[string]string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	flash, err := VerifyToken[map[string]string](srv.signer, saltFlash, c.Value, flashMaxAge)
	if err != nil {
		return nil
	}
	return flash
}

// setFlashCookie carries flash over a redirect.
func (srv *Server) setFlashCookie(w http.ResponseWriter, r *http.Request, flash map[string]string) {
	if len(flash) == 0 {
		return
	}
	tok, err := srv.flashToken(flash)
	if err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: tok, Path: "/", MaxAge: int(flashMaxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// flashToken signs a flash for a redirect or a navigation.
func (srv *Server) flashToken(flash map[string]string) (string, error) {
	if len(flash) == 0 {
		return "", nil
	}
	return SignToken(srv.signer, saltFlash, flash)
}

// Head renders what a layout's <head> needs for live views: the CSRF token
// and the client script.
func Head() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		token := ""
		if s := SocketFrom(ctx); s != nil {
			token = s.csrf
		}
		_, err := fmt.Fprintf(w, `<meta name="csrf-token" content="%s"><script defer src="/live/templive.js"></script>`, templ.EscapeString(token))
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

// localPath reports whether to is a path on this site (no scheme or host),
// the only kind of target Redirect, PushNavigate and PushPatch accept.
func localPath(to string) bool {
	return strings.HasPrefix(to, "/") && !strings.HasPrefix(to, "//") && !strings.HasPrefix(to, "/\\") &&
		!strings.ContainsAny(to, "\r\n")
}
