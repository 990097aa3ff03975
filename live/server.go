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

	"github.com/templive/templive/internal/wire"
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
	// a few messages; one that falls 64 behind catches up ([Lagger]) or is
	// remounted (it rereads its state) rather than fed stale messages.
	// Every connected view allocates its mailbox whole: 32 bytes a slot.
	DefaultViewMailbox = 64
	// DefaultMaxEventBytes bounds one client event, form values included:
	// 64 KiB is some 10,000 words, more than anyone types into a chat box,
	// a sign-up or a comment form, while a connection's views can then hold
	// only that much of what a client sends in each event. A change event
	// carries the whole form at every (debounced) keystroke, so a form that
	// edits whole documents needs a larger bound.
	DefaultMaxEventBytes = 64 << 10
	// DefaultViewsPerConnection bounds the views one live connection (one
	// browser tab) may join at once: a page has one view, a few more once
	// nested and sticky views come, and a live navigation leaves the old
	// view before it joins the next. It is the live socket's
	// Limits.MaxChannels unless set.
	DefaultViewsPerConnection = 16
	// DefaultEventsPerSecond bounds the events the views of one connection
	// handle: 50 a second on average, in bursts of 100. A person does not
	// click or type faster (a debounced field sends a few a second); a
	// script does.
	DefaultEventsPerSecond = 50
	// DefaultFramesPerSecond is the live socket's Limits.EventsPerSecond
	// unless set: a client sending more than 200 frames a second, in bursts
	// of 400, ignores the refusals of DefaultEventsPerSecond and is
	// disconnected (code 1008).
	DefaultFramesPerSecond = 4 * DefaultEventsPerSecond
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
	// ResumeFor is how long a view whose connection was lost waits for
	// its page to reconnect and take it up again, with its state,
	// subscriptions and timers, PubSub messages still handled (default
	// [DefaultResumeFor]; negative turns resuming off: a lost connection
	// ends its views, and the page's rejoin mounts them anew). The page
	// then gets only the renders it missed, and the events it sent that
	// the view had not answered are applied once. ResumableViews bounds
	// how many views wait (default [DefaultResumableViews]; the oldest
	// ends first); they count in MaxViewBytes as when connected, and a
	// connection lost while the views' memory is over MaxViewBytes ends
	// its views instead of parking them.
	ResumeFor      time.Duration
	ResumableViews int
	// Limits bound what one live connection may send, hold and cost, as
	// for any [channel.Socket], except that three zero fields mean
	// defaults suited to live views: MaxChannels, how many views one
	// connection may join at once, is [DefaultViewsPerConnection];
	// EventsPerSecond, the frames a second past which the connection is
	// closed, is [DefaultFramesPerSecond] (negative means no limit: on a
	// channel.Socket, zero does); MailboxSize, each view's PubSub mailbox,
	// is [DefaultViewMailbox]. Every other zero field means the
	// channel.Socket's default.
	Limits channel.Limits
	// MaxEventBytes bounds the payload of one client event, form values
	// included, and each form a rejoin recovers (default
	// [DefaultMaxEventBytes]). A larger event is not handled: it is
	// refused with {"reason":"event too large"}, which rejects the
	// browser's pushEvent, and the view goes on; a larger recovered form
	// is not replayed. Frames past Limits.ReadLimit (1 MiB) close the
	// connection before any of this.
	MaxEventBytes int
	// EventsPerSecond bounds the client events (bindings, hook pushes,
	// live patches) the views of one connection handle: this many a second
	// on average, in bursts of twice as many (default
	// [DefaultEventsPerSecond]; negative for no limit). An event over the
	// limit is not handled: it is refused with {"reason":"rate limited"}
	// and the connection stays, which costs the server less than a
	// reconnect and a remount. For limits per user, across tabs, or on
	// what an event does (posting, sending a message), see [RateLimiter].
	EventsPerSecond int
	// MaxViewBytes caps the memory all connected views of the server hold
	// together, estimated as each view's last render (the HTML the server
	// diffs the next render against) plus [ViewOverhead], and the frames
	// waiting to be written to the live connections
	// ([channel.Socket.OutboundBytes]). A join that would
	// pass it is refused with {"reason":"server busy"}, which the browser
	// retries with backoff, so the server answers a flood of joins with
	// refusals instead of running out of memory; views already connected
	// are never ended for it. Zero means half of the Go memory limit
	// (GOMEMLIMIT, [runtime/debug.SetMemoryLimit]) if one is set, leaving
	// the rest for what the estimate does not count (the views' own state,
	// renders in flight, buffers, the garbage collector's headroom), and
	// no cap otherwise; negative means no cap. [Server.Stats] reports the
	// estimate.
	MaxViewBytes int64
	// Authorize, if set, decides at every join — a page's first connect,
	// each reconnect, each live navigation, the adoption of a view mounted
	// for the GET — whether the session the page was served with is still
	// good. A page's session is signed and valid for SessionMaxAge, so
	// signing out revokes nothing by itself: check the session against the
	// server's own records here (the user still exists, this session was
	// not signed out), and pair it with [Server.Disconnect] for the views
	// already connected. An error refuses the join with
	// {"reason":"unauthorized"}: the browser then reloads the page, whose
	// GET sees the session the request carries now.
	Authorize func(ctx context.Context, s Session) error
	// CheckOrigin and AllowedOrigins decide which pages may open the live
	// socket, as in [channel.SocketOptions]: by default, pages of the
	// request's own host.
	CheckOrigin    func(r *http.Request) bool
	AllowedOrigins []string
	// Compression turns on permessage-deflate for the live socket's
	// WebSocket connections, as in [channel.SocketOptions]; the zero value
	// leaves it off.
	Compression channel.Compression
	// UploadResumeFor is how long an upload interrupted by a lost
	// connection waits for its page to reconnect and resume it (default
	// [DefaultUploadResumeFor]); then its temporary file is removed.
	UploadResumeFor time.Duration
	// Logger receives view crashes and errors; the default is
	// [slog.Default].
	Logger *slog.Logger
	// Observer, if set, is told of every join, Mount, HandleParams,
	// event, PubSub message and render of the server's views, and of each
	// connected view's end, with durations and errors, for metrics and
	// traces (package otellive adapts it to OpenTelemetry). Nil observes
	// nothing, at no cost.
	Observer Observer
	// Dev turns on development mode, which must stay off in production: a
	// page whose Mount or render fails on the GET answers with an error
	// page that shows the error and, for a panic, its stack, instead of a
	// bare 500; and pages load a script (/live/dev.js) that, behind
	// templ's watch proxy (templ generate --watch --proxy=… --cmd=…),
	// brings the page up to date over the live socket when a file changes,
	// with what the user typed, rather than reloading it. The script also
	// gives the browser console two tools, each kept for the tab's
	// session: templive.liveSocket.enableLatencySim(ms), which delays every
	// frame by ms each way so that loading states show as on a slow
	// network, and enableDebug(), which logs every frame in and out
	// (disableLatencySim and disableDebug undo them).
	Dev bool
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
	uploadJS   http.Handler
	commandsJS http.Handler
	longPollJS http.Handler
	parked     *parking
	nestParked *parking       // views nested in a layout, rendered for a GET (nested.go)
	nests      *nestRegistry  // nested views, for their joins
	resume     *resumeParking // nil: resuming is off
	patches    *patchCache
	views      sync.Map // view id → *viewChannel, while connected
	routes     sync.Map // pattern → *route
	hooksMu    sync.RWMutex
	mountHooks map[string][]MountHook // by group, see OnMount

	asyncGroup    taskGroup  // the goroutines of every view's async tasks
	maxEventBytes int        // Options.MaxEventBytes resolved
	eventRate     int        // Options.EventsPerSecond resolved; 0: no limit
	viewBytes     viewBudget // the memory connected views hold, estimated
	uploadsReg    uploadRegistry

	mounts, adoptions     atomic.Int64
	resumes               atomic.Int64 // joins that resumed a parked view
	connected, events     atomic.Int64 // for Stats.Views and Stats.Events
	headSeen, headMissing atomic.Bool  // the layout renders live.Head; a page without it was reported
}

// Stats counts mounts, for measuring "mount once".
type Stats struct {
	// Mounts is how many times a view's Mount ran, disconnected or not.
	Mounts int64
	// Adoptions is how many joins adopted the instance of their GET.
	Adoptions int64
	// Parked is how many views wait for adoption now.
	Parked int
	// Resumes is how many joins took up a view whose connection was lost;
	// Resumable is how many such views wait now ([Options.ResumeFor]).
	Resumes   int64
	Resumable int
	// AsyncTasks is how many async tasks' goroutines are running now,
	// including cancelled ones that have not returned yet.
	AsyncTasks int
	// ViewBytes is the memory the connected views hold, as estimated for
	// [Options.MaxViewBytes].
	ViewBytes int64
	// OutboundBytes is what waits to be written to the live connections,
	// which [Options.MaxViewBytes] counts too.
	OutboundBytes int64
	// Uploads is how many accepted upload entries the server holds bytes
	// for, or will: uploading, complete and not yet consumed, or waiting
	// to be resumed.
	Uploads int
	// Views is how many views are connected now; Events is how many
	// events connected views have handled since the server started.
	Views  int
	Events int64
}

// PubSub returns the PubSub the server was made with ([Options.PubSub]).
func (srv *Server) PubSub() *pubsub.PubSub { return srv.ps }

// Stats returns the server's counters.
func (srv *Server) Stats() Stats {
	return Stats{
		Mounts:        srv.mounts.Load(),
		Adoptions:     srv.adoptions.Load(),
		Parked:        srv.parked.len(),
		Resumes:       srv.resumes.Load(),
		Resumable:     srv.resume.len(),
		AsyncTasks:    srv.asyncGroup.len(),
		ViewBytes:     srv.viewBytes.used.Load(),
		OutboundBytes: srv.liveSocket.OutboundBytes(),
		Uploads:       srv.uploadsReg.len(),
		Views:         int(srv.connected.Load()),
		Events:        srv.events.Load(),
	}
}

// NewServer returns a Server. It panics when Options.Secret is shorter than
// 32 bytes, when Options.PubSub is nil, or on a malformed
// Options.AllowedOrigins entry (one without a host): all are programming
// errors.
func NewServer(opts Options) *Server {
	if opts.PubSub == nil {
		panic("live: NewServer needs Options.PubSub")
	}
	if len(opts.Secret) < 32 {
		panic(fmt.Sprintf("live: NewServer needs Options.Secret of at least 32 random bytes, got %d", len(opts.Secret)))
	}
	srv := &Server{
		opts:       opts,
		ps:         opts.PubSub,
		signer:     token.NewSigner(opts.Secret),
		csrfKey:    token.DeriveKey(opts.Secret, saltCSRF),
		logger:     opts.Logger,
		layout:     opts.Layout,
		pages:      http.NewServeMux(),
		js:         js.Handler(),
		uploadJS:   js.UploadHandler(),
		longPollJS: js.LongPollHandler(),
		patches:    newPatchCache(),
	}
	srv.commandsJS = js.CommandsHandler()
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
	srv.nestParked = newParking(parked, parkedFor)
	srv.nests = newNestRegistry(max(parkedFor, nestedRejoinFor))
	if opts.ResumeFor >= 0 {
		srv.resume = newResumeParking(cmp.Or(max(opts.ResumableViews, 0), DefaultResumableViews), cmp.Or(opts.ResumeFor, DefaultResumeFor))
	}
	srv.maxEventBytes = cmp.Or(max(opts.MaxEventBytes, 0), DefaultMaxEventBytes)
	srv.eventRate = cmp.Or(opts.EventsPerSecond, DefaultEventsPerSecond)
	if srv.eventRate < 0 {
		srv.eventRate = 0
	}
	srv.viewBytes.max = maxViewBytes(opts.MaxViewBytes)
	srv.uploadsReg.resumeFor = cmp.Or(max(opts.UploadResumeFor, 0), DefaultUploadResumeFor)

	srv.liveSocket = channel.NewSocket(srv.socketOptions())
	srv.viewBytes.queued = srv.liveSocket.OutboundBytes
	srv.liveSocket.Channel("lv:*", func(cc *channel.Conn, c liveConn) channel.Channel {
		return &viewChannel{srv: srv, cc: cc, events: c.events}
	})
	srv.liveSocket.Channel(wire.UploadTopicPrefix+"*", func(cc *channel.Conn, c liveConn) channel.Channel {
		return &uploadChannel{srv: srv, cc: cc}
	})
	return srv
}

// liveConn is the state of a connection to the live socket: the socket ID
// Options.SocketID gave it, if any, and the rate its views' events share.
type liveConn struct {
	id     string
	events *eventRate // nil: no limit
}

// socketOptions returns the options of the live socket, whose Connect
// checks the CSRF token and names the connection with Options.SocketID.
func (srv *Server) socketOptions() channel.SocketOptions[liveConn] {
	limits := srv.opts.Limits
	if limits.MailboxSize <= 0 {
		limits.MailboxSize = DefaultViewMailbox
	}
	if limits.MaxChannels <= 0 {
		limits.MaxChannels = DefaultViewsPerConnection
	}
	if limits.EventsPerSecond == 0 {
		limits.EventsPerSecond = DefaultFramesPerSecond
	}
	return channel.SocketOptions[liveConn]{
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (liveConn, error) {
			if !srv.validCSRF(info.Params.Get("_csrf_token"), info.Cookies) {
				return liveConn{}, errors.New("live: missing or invalid CSRF token")
			}
			var c liveConn
			if srv.eventRate > 0 {
				c.events = newEventRate(srv.eventRate)
			}
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
		Compression:    srv.opts.Compression,
	}
}

// authorize asks Options.Authorize whether the session of a join is still
// good; a refusal makes the browser reload the page.
func (srv *Server) authorize(ctx context.Context, sess Session) error {
	if srv.opts.Authorize == nil {
		return nil
	}
	if err := srv.opts.Authorize(ctx, sess); err != nil {
		srv.logger.Debug("join refused by Authorize", "err", err)
		return channel.Refuse("unauthorized")
	}
	return nil
}

// Disconnect closes every live connection whose socket ID
// ([Options.SocketID]) is id, on every node of the PubSub: its views end,
// and the browser reconnects with the session it has now — use it when a
// user signs out. It does not wait.
func (srv *Server) Disconnect(ctx context.Context, id string) error {
	return srv.liveSocket.Disconnect(ctx, id)
}

// ServeHTTP serves the live socket ("/live/websocket", and its long-poll
// fallback "/live/longpoll"), the client scripts
// ("/live/templive.js", "/live/templive-upload.js",
// "/live/templive-commands.js", "/live/templive-longpoll.js"), in development mode
// the development script ("/live/dev.js", see [Options.Dev]), and the
// registered pages.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/live/websocket", "/live/longpoll":
		srv.liveSocket.ServeHTTP(w, r)
	case "/live/templive.js":
		srv.js.ServeHTTP(w, r)
	case "/live/templive-upload.js":
		srv.uploadJS.ServeHTTP(w, r)
	case "/live/templive-commands.js":
		srv.commandsJS.ServeHTTP(w, r)
	case "/live/templive-longpoll.js":
		srv.longPollJS.ServeHTTP(w, r)
	case devScriptPath:
		if !srv.opts.Dev {
			http.NotFound(w, r)
			return
		}
		serveDevScript(w, r)
	default:
		srv.pages.ServeHTTP(w, r)
	}
}

// Send delivers msg to the [InfoHandler] of the connected view whose id is
// viewID ([Socket.ID]), on the view's goroutine, the way a PubSub message
// arrives: without blocking, under the mailbox's overflow policy. It
// returns [ErrNoView] when no such view is connected to this server.
func (srv *Server) Send(viewID string, msg any) error {
	var mb *pubsub.Mailbox
	if v, ok := srv.views.Load(viewID); ok {
		mb = v.(*viewChannel).cc.Mailbox()
	} else if mb = srv.resume.mailbox(viewID); mb == nil {
		// Not connected, and not waiting to be resumed either.
		return fmt.Errorf("%w: %s", ErrNoView, viewID)
	}
	if !mb.Send(pubsub.Message{Payload: msg}) {
		return fmt.Errorf("live: send to %s: mailbox full", viewID)
	}
	return nil
}

// Shutdown closes every live connection, ending their views, and waits for
// them and for the goroutines of their async tasks, whose contexts are
// cancelled; parked views, and views waiting to be resumed, end too. It is
// idempotent.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.parked.close()
	srv.nestParked.close()
	var resumeErr error
	if srv.resume != nil {
		// First, so that the views of the connections closed next end
		// rather than wait for a page that cannot come back.
		resumeErr = srv.resume.close(ctx)
	}
	err := srv.liveSocket.Shutdown(ctx)
	return errors.Join(err, resumeErr, srv.asyncGroup.wait(ctx), srv.uploadsReg.close())
}
