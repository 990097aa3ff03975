package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/js"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/token"
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
	// Limits bound what one live connection may send, hold and cost;
	// its MailboxSize is each view's PubSub mailbox, [DefaultViewMailbox]
	// if zero.
	Limits channel.Limits
	// CheckOrigin and AllowedOrigins decide which pages may open the live
	// socket, as in [channel.SocketOptions]: by default, pages of the
	// request's own host.
	CheckOrigin    func(r *http.Request) bool
	AllowedOrigins []string
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
	opts       Options
	ps         *pubsub.PubSub
	signer     *token.Signer
	csrfKey    []byte // the key of the pages' CSRF tokens, derived from the secret
	logger     *slog.Logger
	layout     func(string) templ.Component
	pages      *http.ServeMux
	liveSocket *channel.Socket[liveConn] // the endpoint at /live/websocket; its views are channels
	js         http.Handler
	parked     *parking
	patches    *patchCache
	views      sync.Map // view id → *viewChannel, while connected
	routes     sync.Map // pattern → *route

	asyncGroup            taskGroup // the goroutines of every view's async tasks
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
	// AsyncTasks is how many async tasks' goroutines are running now,
	// including cancelled ones that have not returned yet.
	AsyncTasks int
}

// Stats returns the server's counters.
func (srv *Server) Stats() Stats {
	return Stats{Mounts: srv.mounts.Load(), Adoptions: srv.adoptions.Load(), Parked: srv.parked.len(), AsyncTasks: srv.asyncGroup.len()}
}

// NewServer returns a Server. It panics when Options.Secret is shorter than
// 32 bytes or Options.PubSub is nil: both are programming errors.
func NewServer(opts Options) *Server {
	if opts.PubSub == nil {
		panic("live: NewServer needs Options.PubSub")
	}
	if len(opts.Secret) < 32 {
		panic(fmt.Sprintf("live: NewServer needs Options.Secret of at least 32 random bytes, got %d", len(opts.Secret)))
	}
	srv := &Server{
		opts:    opts,
		ps:      opts.PubSub,
		signer:  token.NewSigner(opts.Secret),
		csrfKey: token.DeriveKey(opts.Secret, saltCSRF),
		logger:  opts.Logger,
		layout:  opts.Layout,
		pages:   http.NewServeMux(),
		js:      js.Handler(),
		patches: newPatchCache(),
	}
	if srv.logger == nil {
		srv.logger = slog.Default()
	}
	srv.logger = srv.logger.With("layer", "live")
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

	srv.liveSocket = channel.NewSocket(srv.socketOptions())
	srv.liveSocket.Channel("lv:*", func(cc *channel.Conn, _ liveConn) channel.Channel {
		return &viewChannel{srv: srv, cc: cc}
	})
	return srv
}

// liveConn is the state of a connection to the live socket: the socket ID
// Options.SocketID gave it, if any.
type liveConn struct {
	id string
}

// socketOptions returns the options of the live socket, whose Connect
// checks the CSRF token and names the connection with Options.SocketID.
func (srv *Server) socketOptions() channel.SocketOptions[liveConn] {
	limits := srv.opts.Limits
	if limits.MailboxSize <= 0 {
		limits.MailboxSize = DefaultViewMailbox
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
		ID:             func(c liveConn) string { return c.id },
		PubSub:         srv.ps,
		Logger:         cmp.Or(srv.opts.Logger, slog.Default()), // it adds its own layer
		CheckOrigin:    srv.opts.CheckOrigin,
		AllowedOrigins: srv.opts.AllowedOrigins,
		Limits:         limits,
	}
}

// Disconnect closes every live connection whose socket ID
// ([Options.SocketID]) is id, on every node of the PubSub: its views end,
// and the browser reconnects with the session it has now — use it when a
// user signs out. It does not wait.
func (srv *Server) Disconnect(ctx context.Context, id string) error {
	return srv.liveSocket.Disconnect(ctx, id)
}

// ServeHTTP serves the live socket ("/live/websocket"), the client script
// ("/live/templive.js") and the registered pages.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/live/websocket":
		srv.liveSocket.ServeHTTP(w, r)
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
	// Async makes the pong wait, as well, until no async task of the view
	// is running or waiting to be delivered, and the render of their
	// results is sent.
	Async bool
}

// Shutdown closes every live connection, ending their views, and waits for
// them and for the goroutines of their async tasks, whose contexts are
// cancelled; parked views are dropped. It is idempotent.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.parked.close()
	err := srv.liveSocket.Shutdown(ctx)
	return errors.Join(err, srv.asyncGroup.wait(ctx))
}
