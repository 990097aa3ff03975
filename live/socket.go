package live

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
)

// A Session is the data a page was served with — typically the signed-in
// user's id, taken from the request by [Options.Session]. It is signed into
// the page, so the view sees on connect exactly what the server put there;
// the browser can read it but not change it. Keep it small: it travels in
// every page and every join.
type Session map[string]string

// Get returns the value of key, or "".
func (s Session) Get(key string) string { return s[key] }

// A Socket is a view's handle on the runtime: whether it is connected, its
// session and URL, PubSub subscriptions, navigation, flash messages and
// events for client hooks. The runtime passes it to every callback.
//
// A Socket belongs to its view's goroutine: call its methods from the
// view's callbacks only (the one exception is [Socket.SendAfter], whose
// message is delivered on the view's goroutine).
type Socket struct {
	srv       *Server
	id        string
	connected bool
	adopted   bool
	session   Session
	url       *url.URL
	csrf      string
	ctx       context.Context // the view's context while connected

	// Set while connected.
	cc      *channel.Conn
	mailbox *pubsub.Mailbox
	parked  *channel.Parked // set while the view waits to be resumed

	// Effects recorded by callbacks, carried out after them.
	title      string
	titleSet   bool
	flash      map[string]string
	events     []pushedEvent
	execs      []Commands
	patchTo    string
	patchKind  string
	navigateTo string
	navKind    string
	redirectTo string
	external   bool // redirectTo may leave the site
	hookReply  any
	streams    []streamer
	async      *asyncTasks // nil until the first task
	uploads    map[string]*Upload
	upw        *viewUploads // nil until the first allow_upload
	comps      components   // the stateful components the view renders
	nests      *nestedViews // the views it nests (nested.go); nil until the first
	// A callback changed what the view renders outside any component
	// (flash, uploads): the next render is the whole view's.
	viewChanged bool
	hooks       []attached // OnEvent, OnInfo, OnParams, in order

	mu     sync.Mutex // guards timers
	timers map[*time.Timer]struct{}
}

// pushedEvent is an event for client hooks, sent with the next patch.
type pushedEvent struct {
	name    string
	payload any
}

// Connected reports whether the browser is connected: false while the
// view is mounted and rendered for the HTTP GET, true on the view's
// goroutine after the browser joined.
func (s *Socket) Connected() bool { return s.connected }

// Adopted reports whether this instance was mounted for the HTTP GET and
// then adopted by the browser's join ("mount once"), so the state a
// disconnected Mount loaded is still there.
func (s *Socket) Adopted() bool { return s.adopted }

// ID returns the view's id, unique per page load; the channel topic is
// "lv:" + ID.
func (s *Socket) ID() string { return s.id }

// Session returns the signed session data the page was served with.
func (s *Socket) Session() Session { return s.session }

// URL returns the page's current URL. Treat it as read-only.
func (s *Socket) URL() *url.URL { return s.url }

// CSRFToken returns the token forms posted outside the live socket must
// carry (as the _csrf_token field).
func (s *Socket) CSRFToken() string { return s.csrf }

// PubSub returns the server's PubSub, to broadcast from a view.
func (s *Socket) PubSub() *pubsub.PubSub { return s.srv.ps }

// Context returns the view's context: it ends when the view ends, so work
// and presences tied to it end too. Before the browser connects it is the
// HTTP request's context.
func (s *Socket) Context() context.Context { return s.ctx }

// Subscribe subscribes the view to a PubSub topic: its messages arrive in
// the view's [InfoHandler] on the view's goroutine, and the subscription
// ends with the view. Subscribing twice is harmless. Before the browser
// connects — in the Mount that serves the page's GET — there is no view
// goroutine to deliver to, and it returns an error that matches
// [ErrNotConnected] and says so; subscribe in a connected Mount:
//
//	if s.Connected() {
//		s.Subscribe("posts")
//	}
func (s *Socket) Subscribe(topic string) error {
	if !s.connected {
		return &notConnectedError{call: fmt.Sprintf("Subscribe(%q)", topic), fix: "subscribe only if s.Connected()"}
	}
	if s.parked != nil {
		return s.parked.Subscribe(topic)
	}
	return s.cc.Subscribe(topic)
}

// Unsubscribe ends a subscription made with [Socket.Subscribe].
func (s *Socket) Unsubscribe(topic string) error {
	if !s.connected {
		return nil
	}
	if s.parked != nil {
		return s.parked.Unsubscribe(topic)
	}
	return s.cc.Unsubscribe(topic)
}

// SendAfter delivers msg to the view's [InfoHandler] after d, on the view's
// goroutine, unless the view has ended by then — the Go counterpart of
// Process.send_after(self(), msg, d). It is safe to call from any goroutine
// and does nothing before the browser connects. To load slow data, start a
// task with [Async.Load] or [StartAsync] rather than a goroutine of your
// own: the task ends with the view, and the GET can start it too.
func (s *Socket) SendAfter(d time.Duration, msg any) {
	if !s.connected {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timers == nil {
		s.timers = map[*time.Timer]struct{}{}
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		_, live := s.timers[t]
		delete(s.timers, t)
		s.mu.Unlock()
		if live {
			s.mailbox.Send(pubsub.Message{Topic: "", Payload: msg})
		}
	})
	s.timers[t] = struct{}{}
}

// stopTimers cancels every pending SendAfter.
func (s *Socket) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.timers {
		t.Stop()
	}
	s.timers = nil
}

// PushEvent sends an event to the page's client hooks (handleEvent), with
// the next patch. The browser also dispatches it on window as a DOM
// CustomEvent named "templive:" + name whose detail is payload, for
// scripts that are no hook.
func (s *Socket) PushEvent(name string, payload any) {
	s.events = append(s.events, pushedEvent{name: name, payload: payload})
}

// Exec has the browser run client commands, with the next patch and after
// it: show a dialog, move the focus, fire a DOM event. A selector in them
// finds elements in the whole page; a command without one acts on the
// view's root element. Before the browser connects it does nothing.
func (s *Socket) Exec(c Commands) {
	if s.connected {
		s.execs = append(s.execs, c)
	}
}

// Reply sets the reply to the hook event being handled: the client hook's
// pushEvent promise resolves with it. It has no effect for other events.
func (s *Socket) Reply(v any) { s.hookReply = v }

// PushPatch changes the page's URL to to (a path on this same view, such
// as "/posts?page=2") without a page load: the view's HandleParams runs
// with the new URL, and the browser's history gets a new entry. A target
// that is not a local path ([IsLocalPath]) crashes the view.
func (s *Socket) PushPatch(to string) { s.patchTo, s.patchKind = to, wire.KindPush }

// ReplacePatch is [Socket.PushPatch] replacing the current history entry.
func (s *Socket) ReplacePatch(to string) { s.patchTo, s.patchKind = to, wire.KindReplace }

// PushNavigate moves the browser to another live view of the same
// [Server] over the same connection, without a page load. The flash goes
// along. A target that is not a local path ([IsLocalPath]) crashes the
// view.
func (s *Socket) PushNavigate(to string) { s.navigateTo, s.navKind = to, wire.KindPush }

// Redirect makes the browser load to, a path on this site such as
// "/login", with a full page load, ending the view. The flash goes along.
// Before the browser connects it answers the GET with 302. A target that
// is not a local path ([IsLocalPath]: a URL, "//host", "/\host") is
// refused: the view crashes, or the GET fails with 500, and the log says
// why — so a user-supplied "return_to" can never send the browser
// elsewhere. Use [Socket.RedirectExternal] to leave the site on purpose.
func (s *Socket) Redirect(to string) { s.redirectTo, s.external = to, false }

// RedirectExternal is [Socket.Redirect] to an absolute http or https URL
// of another site.
func (s *Socket) RedirectExternal(to string) { s.redirectTo, s.external = to, true }

// checkTargets refuses navigation targets that would leave the site
// without RedirectExternal.
func (s *Socket) checkTargets() error {
	if to := s.redirectTo; to != "" {
		if s.external {
			u, err := url.Parse(to)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("live: RedirectExternal(%q): not an absolute http(s) URL", to)
			}
		} else if !IsLocalPath(to) {
			return fmt.Errorf("live: Redirect(%q): not a path on this site; use RedirectExternal to leave it", to)
		}
	}
	if to := s.navigateTo; to != "" && !IsLocalPath(to) {
		return fmt.Errorf("live: PushNavigate(%q): not a path on this site", to)
	}
	if to := s.patchTo; to != "" && !IsLocalPath(to) {
		return fmt.Errorf("live: PushPatch(%q): not a path on this site", to)
	}
	return nil
}

// PutFlash sets a flash message of a kind ("info", "error") shown by the
// page — with [FlashMessages], which also lets the user dismiss it, or
// with [Socket.Flash] in the view's own markup — and carried over a
// navigation or redirect. It stays until cleared ([Socket.ClearFlash]).
// A redirect carries it in a cookie for a minute: a page that is not a
// live view reads and clears it with [Server.TakeFlash].
func (s *Socket) PutFlash(kind, msg string) {
	if s.flash == nil {
		s.flash = map[string]string{}
	}
	s.flash[kind] = msg
	s.viewChanged = true
}

// Flash returns the flash message of kind, or "".
func (s *Socket) Flash(kind string) string { return s.flash[kind] }

// ClearFlash removes the flash message of kind, or all of them if kind is
// "".
func (s *Socket) ClearFlash(kind string) {
	s.viewChanged = true
	if kind == "" {
		s.flash = nil
		return
	}
	delete(s.flash, kind)
}

// SetTitle sets the document's title.
func (s *Socket) SetTitle(title string) { s.title, s.titleSet = title, true }

// Title returns the title set with SetTitle.
func (s *Socket) Title() string { return s.title }

// socketKey is the context key of the Socket a view renders with.
type socketKey struct{}

// SocketFrom returns the Socket of the view being rendered, so nested
// components can reach the CSRF token, the session or the flash without
// threading parameters; nil outside a view's render.
func SocketFrom(ctx context.Context) *Socket {
	s, _ := ctx.Value(socketKey{}).(*Socket)
	return s
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
