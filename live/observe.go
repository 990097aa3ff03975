package live

import (
	"context"
	"time"
)

// An Observer is told what the views of a [Server] do, for metrics and
// traces: each operation — a join, a Mount, a HandleParams, an event, a
// PubSub message, a render — is reported when it starts and when it ends,
// with its route, its duration and its error, as Phoenix's :telemetry
// start, stop and exception events are. A connected view's whole life is
// one more operation, [OpView], so an observer can count the views
// connected and the crashes. Package otellive adapts an Observer to
// OpenTelemetry.
//
// Start and End run synchronously on the goroutine that runs the
// operation, the view's own for all but the Mount of a page's GET, which
// runs on the request's; so they run concurrently for different views and
// must be safe for that. They must not block: the view waits for them.
// Op is passed by value and a Server without an Observer skips all of
// this, so observing costs nothing when nobody observes.
type Observer interface {
	// Start is told that op begins. The context it returns is the one op
	// runs with — the view's callback receives it — so a tracer can put
	// op's span there; return ctx itself to add nothing. For [OpView] the
	// context returned is not used.
	Start(ctx context.Context, op Op) context.Context
	// End is told that op ended, with the context Start returned and op
	// as Start received it, its Duration and Err filled in, and for
	// [OpRender] its Render phases.
	End(ctx context.Context, op Op)
}

// An OpKind says which operation an [Op] is.
type OpKind uint8

// The operations an [Observer] is told of.
const (
	// OpJoin is a browser's join of a view, from its join message to the
	// reply: the session's check, Mount, HandleParams and the first
	// render, each also reported on its own. Its Route is empty when the
	// join was refused before its URL was resolved.
	OpJoin OpKind = iota + 1
	// OpMount is a view's mount hooks ([Server.OnMount]) and Mount, for
	// a page's GET (Connected false) or a join (Connected true).
	OpMount
	// OpParams is a view's params hooks and HandleParams: after Mount,
	// and at each live patch.
	OpParams
	// OpEvent is a view's event hooks and HandleEvent, or a component's
	// HandleEvent; Event names the event, Component the component.
	OpEvent
	// OpInfo is a view's info hooks and HandleInfo, or a component's
	// HandleInfo ([Socket.SendUpdate]); Msg is the message, Component
	// the component.
	OpInfo
	// OpRender is a render of a connected view and what it sends: Render,
	// parse, diff and encoding, timed in Op.Render.
	OpRender
	// OpView is a connected view's life: it starts when its join
	// succeeded and ends when the view ends — the browser left or
	// navigated away, the connection closed, the view crashed. Err is the
	// reason, as the view's [Terminator] receives it: a crash wraps
	// [ErrViewCrashed].
	OpView
)

var opNames = [...]string{
	OpJoin:   "join",
	OpMount:  "mount",
	OpParams: "params",
	OpEvent:  "event",
	OpInfo:   "info",
	OpRender: "render",
	OpView:   "view",
}

// String returns the kind's name in lower case: "join", "mount",
// "params", "event", "info", "render" or "view".
func (k OpKind) String() string {
	if int(k) < len(opNames) && opNames[k] != "" {
		return opNames[k]
	}
	return "unknown"
}

// An Op is one operation of a view, as an [Observer] is told of it.
type Op struct {
	Kind OpKind
	// Route is the pattern the view was registered with ([Server.Page]),
	// never the URL, so that it can label a metric.
	Route string
	// ViewID is the view's id ([Socket.ID]).
	ViewID string
	// Connected is false for the Mount of a page's GET.
	Connected bool
	// Event is the name of an OpEvent's event. It comes from the browser:
	// any string a client sends reaches HandleEvent, so label a metric
	// with it only through a set of names the app knows.
	Event string
	// Component is the id of the component whose HandleEvent or
	// HandleInfo an OpEvent or OpInfo ran, or empty for the view's.
	Component string
	// Msg is the message of an OpInfo, the Go value that was sent.
	Msg any
	// Start is when the operation began.
	Start time.Time

	// What End is told.

	// Duration is how long the operation took.
	Duration time.Duration
	// Err is the operation's error: a callback's crash (a
	// [channel.CrashError], or one wrapping [ErrViewCrashed] for OpView), a
	// join's refusal (a [channel.JoinError]), or nil.
	Err error
	// Render holds the phases of an OpRender.
	Render RenderPhases
}

// RenderPhases time the phases of a render and count what it sends. A
// render whose HTML did not change skips all but the first; one whose
// patch was computed already for another view with the same HTML skips
// parse and diff.
type RenderPhases struct {
	// Render is the view's Render and its component's rendering to HTML.
	Render time.Duration
	// Parse is the parsing of the new HTML, and of the last one.
	Parse time.Duration
	// Diff is the diff of the two trees, with its check.
	Diff time.Duration
	// Encode is the encoding of the patch.
	Encode time.Duration
	// Bytes is the size of what the render sends: the encoded patch, or
	// a join's HTML.
	Bytes int
}

// observing is an operation under way that an Observer is told of; its
// zero value, when the server has no Observer, does nothing.
type observing struct {
	o    Observer
	op   Op
	last time.Time // the end of the last phase timed with lap
}

// observe tells srv's Observer, if it has one, that op begins, and returns
// the context op runs with. Defer ob.end.
func (srv *Server) observe(ctx context.Context, ob *observing, op Op) context.Context {
	o := srv.opts.Observer
	if o == nil {
		return ctx
	}
	op.Start = time.Now()
	ob.o, ob.op, ob.last = o, op, op.Start
	return o.Start(ctx, op)
}

// observe is [Server.observe] for an operation of vc's view.
func (vc *viewChannel) observe(ctx context.Context, ob *observing, op Op) context.Context {
	if vc.srv.opts.Observer == nil {
		return ctx
	}
	op.Route, op.ViewID, op.Connected = vc.rt.pattern, vc.s.id, true
	return vc.srv.observe(ctx, ob, op)
}

// observed runs f, which calls the view's callback cb, as op: the
// Observer is told, and a panic in f crashes the view as cb's.
func (srv *Server) observed(ctx context.Context, op Op, cb callback, f func(ctx context.Context) error) (err error) {
	var ob observing
	ctx = srv.observe(ctx, &ob, op)
	defer ob.end(ctx, &err)
	defer recoverCrash(&err, cb)
	return cb.failed(f(ctx))
}

// observed is [Server.observed] for a callback of vc's view.
func (vc *viewChannel) observed(ctx context.Context, op Op, cb callback, f func(ctx context.Context) error) error {
	if vc.srv.opts.Observer != nil {
		op.Route, op.ViewID, op.Connected = vc.rt.pattern, vc.s.id, true
	}
	return vc.srv.observed(ctx, op, cb, f)
}

// end tells the Observer that the operation ended with *err.
func (ob *observing) end(ctx context.Context, err *error) {
	if ob.o == nil {
		return
	}
	ob.op.Duration = time.Since(ob.op.Start)
	ob.op.Err = *err
	ob.o.End(ctx, ob.op)
}

// lap returns the time since the last lap (or the start), and starts the
// next: the phases of a render. It returns 0, and reads no clock, when
// nobody observes.
func (ob *observing) lap() time.Duration {
	if ob.o == nil {
		return 0
	}
	now := time.Now()
	d := now.Sub(ob.last)
	ob.last = now
	return d
}

// viewLife is the OpView of a connected view, when observed.
type viewLife struct {
	ob  observing
	ctx context.Context
}

// startLife tells the Observer that vc's view is connected.
func (vc *viewChannel) startLife(ctx context.Context) {
	if vc.srv.opts.Observer == nil {
		return
	}
	l := &viewLife{}
	l.ctx = vc.observe(ctx, &l.ob, Op{Kind: OpView})
	vc.life = l
}

// endLife tells the Observer that vc's view ended for reason.
func (vc *viewChannel) endLife(reason error) {
	if vc.life == nil {
		return
	}
	vc.life.ob.end(vc.life.ctx, &reason)
	vc.life = nil
}
