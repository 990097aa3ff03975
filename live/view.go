package live

import (
	"context"
	"net/url"

	"github.com/a-h/templ"
)

// A View is a live page: a struct whose fields are its state. The runtime
// creates one instance per page load with the constructor given to
// [Server.Page], calls Mount, and renders it with Render. Once the browser
// has connected, every event and every PubSub message runs a callback on the
// view's own goroutine — callbacks of one view never run concurrently — and
// the view is rendered again and the difference sent to the browser.
//
// Optional callbacks are separate interfaces, checked at run time:
// [ParamsHandler], [EventHandler], [InfoHandler], [Lagger] and
// [Terminator].
type View interface {
	// Mount initialises the view's state. It runs twice per page: first to
	// serve the HTTP GET (s.Connected() is false), then again on the
	// view's goroutine when the browser joins (s.Connected() is true; this
	// is where to subscribe to PubSub and track presence). A view adopted
	// from the GET ("mount once", see [Options.MountOnce]) is mounted
	// connected on the same instance: s.Adopted() reports it, so an
	// expensive load can be skipped. An error refuses the page (500 on the
	// GET) or crashes the view.
	Mount(ctx context.Context, s *Socket, params url.Values) error
	// Render returns the component that renders the view's current state.
	// It must not change the state; it runs after every callback that may
	// have changed it.
	Render() templ.Component
}

// A ParamsHandler is told the page's params after Mount and after every
// live patch ([Socket.PushPatch] or a live-patch link), so that the state
// can follow the URL (a page number, a selected tab). params holds the
// URL's query and the route's wildcards, as Mount's do; the URL itself is
// [Socket.URL].
type ParamsHandler interface {
	HandleParams(ctx context.Context, s *Socket, params url.Values) error
}

// An EventHandler handles the events sent by the browser's bindings
// (live-click, live-submit, live-change, …). Switch on ev.Name; decode form
// values with [Event.Decode]. A returned error crashes the view: the
// browser rejoins and the view is mounted again.
type EventHandler interface {
	HandleEvent(ctx context.Context, s *Socket, ev Event) error
}

// An InfoHandler receives the messages of the PubSub topics the view
// subscribed to with [Socket.Subscribe], and those it sent itself with
// [Socket.SendAfter]: msg is the very Go value that was broadcast, so
// type-switch on it.
type InfoHandler interface {
	HandleInfo(ctx context.Context, s *Socket, msg any) error
}

// A Lagger catches up when the view fell behind, instead of being
// remounted. A view's PubSub mailbox is bounded ([DefaultViewMailbox]):
// when messages arrive faster than the view handles them — one user's
// burst of chat messages into a busy room — the mailbox drops what does
// not fit. The view then cannot trust what it built from the messages,
// so without Lagged it is remounted: Mount reads its state again, but the
// browser's page is replaced, and what it showed that the server does not
// keep (stream items, such as a chat's messages) is gone.
//
// Lagged runs instead, on the view's goroutine, with the number of
// messages lost: those still queued when the view fell behind count too,
// and its own [Socket.SendAfter] messages may be among them. Reload from the source of truth
// what the view shows (the database, the presence list) and
// [Stream.Reset] what was streamed; the render that follows sends the
// browser only the difference, so what the user sees and typed stays.
// Messages arrive again as usual after Lagged, and some may repeat what
// the reload already shows, so apply them idempotently. A returned error
// crashes the view, which is then remounted.
type Lagger interface {
	Lagged(ctx context.Context, s *Socket, dropped uint64) error
}

// A Terminator is told when the view ends: the browser left or
// navigated away, the connection closed, or the view crashed. reason says
// which. Subscriptions, and presences tracked with the view's context, end
// by themselves.
type Terminator interface {
	Terminate(reason error)
}
