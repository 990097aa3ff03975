package channel

import (
	"context"
	"time"
)

// An Observer is told what the channels of a [Socket] do, for metrics and
// traces: each join and each client message is reported when it starts
// and when it ends, with its duration and error, and a joined channel's
// whole life is one more operation, [OpChannel], so that an observer can
// count the channels joined. Package otellive adapts an Observer to
// OpenTelemetry.
//
// Start and End run synchronously on the channel's goroutine, so they run
// concurrently for different channels and must be safe for that; they
// must not block. A Socket without an Observer skips all of this.
type Observer interface {
	// Start is told that op begins. The context it returns is the one op
	// runs with — Join or HandleIn receives it — so a tracer can put op's
	// span there; return ctx itself to add nothing. A Channel that keeps
	// the context of its Join keeps what Start put there. For [OpChannel]
	// the context returned is not used.
	Start(ctx context.Context, op Op) context.Context
	// End is told that op ended, with the context Start returned and op
	// as Start received it, its Duration and Err filled in.
	End(ctx context.Context, op Op)
}

// An OpKind says which operation an [Op] is.
type OpKind uint8

// The operations an [Observer] is told of.
const (
	// OpJoin is a channel's Join. Err is its refusal (a [JoinError]) or
	// its crash.
	OpJoin OpKind = iota + 1
	// OpMessage is the HandleIn of a client's message; Event names it.
	OpMessage
	// OpChannel is a joined channel's life, from its join to its end. Err
	// is the reason, as the channel's [Terminator] receives it.
	OpChannel
)

var opNames = [...]string{OpJoin: "join", OpMessage: "message", OpChannel: "channel"}

// String returns the kind's name in lower case: "join", "message" or
// "channel".
func (k OpKind) String() string {
	if int(k) < len(opNames) && opNames[k] != "" {
		return opNames[k]
	}
	return "unknown"
}

// An Op is one operation of a channel, as an [Observer] is told of it.
type Op struct {
	Kind OpKind
	// Pattern is the pattern the channel's topic matched ([Socket.Channel]),
	// such as "room:*": a label for a metric, where the topic is not.
	Pattern string
	// Topic is the channel's topic.
	Topic string
	// Event is the name of an OpMessage's event, as the client sent it.
	Event string
	// Start is when the operation began.
	Start time.Time

	// Duration is how long the operation took; End is told.
	Duration time.Duration
	// Err is the operation's error; End is told.
	Err error
}

// observing is an operation under way that an Observer is told of; its
// zero value, when the socket has no Observer, does nothing.
type observing struct {
	o  Observer
	op Op
}

// observe tells the socket's Observer, if it has one, that op begins, and
// returns the context op runs with. Call end when it ends.
func (sc *socketCore) observe(ctx context.Context, ob *observing, op Op) context.Context {
	if sc.observer == nil {
		return ctx
	}
	op.Start = time.Now()
	ob.o, ob.op = sc.observer, op
	return sc.observer.Start(ctx, op)
}

// end tells the Observer that the operation ended with err.
func (ob *observing) end(ctx context.Context, err error) {
	if ob.o == nil {
		return
	}
	ob.op.Duration = time.Since(ob.op.Start)
	ob.op.Err = err
	ob.o.End(ctx, ob.op)
}

// pattern returns the pattern of the route topic matches, for an
// Observer: "" without one.
func (sc *socketCore) pattern(topic string) string {
	if sc.observer == nil {
		return ""
	}
	sc.routesM.RLock()
	defer sc.routesM.RUnlock()
	for _, r := range sc.routes {
		if match(r.pattern, topic) {
			return r.pattern
		}
	}
	return ""
}
