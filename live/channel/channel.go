package channel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/templive/templive/pubsub"
)

// A Channel is one joined topic of one connection: the Go counterpart of a
// Phoenix channel. The constructor given to [Socket.Channel] creates a
// Channel for each join; its methods then run on that join's own
// goroutine, one at a time, so a Channel needs no locking for its fields.
//
// Optional capabilities are separate interfaces checked at run time:
// [InfoHandler] for PubSub messages, [Interceptor] to rewrite broadcasts
// per client, [Lagger] to catch up after an overflow instead of crashing,
// and [Terminator] to learn that the channel ended.
type Channel interface {
	// Join is called first, with the client's join payload. It returns the
	// response of the ok reply (nil for {}), or an error to refuse the join:
	// [Refuse] and [JoinError] choose the response of the error reply; any
	// other error, or a panic, is a crash of the join: it is logged and the
	// client sees {"reason":"join crashed"}.
	// Pushes made during Join reach the client after the join reply.
	Join(ctx context.Context, payload json.RawMessage) (response any, err error)
	// HandleIn handles an event pushed by the client. The returned [Reply]
	// is sent at once; return [NoReply] to send none now and reply later
	// with [Conn.Reply] and the event's Ref. A returned error crashes
	// the channel (see [ErrChannelCrashed]).
	HandleIn(ctx context.Context, ev Message) (Reply, error)
}

// An InfoHandler receives the PubSub messages delivered to its channel's
// mailbox, other than the broadcasts on the channel's own topic that go
// straight to the client: messages on topics added with
// [Conn.Subscribe], and non-[Broadcast] values on the channel's
// topic. msg.Payload is the Go value that was broadcast; type-switch on it.
// A returned error crashes the channel.
type InfoHandler interface {
	HandleInfo(ctx context.Context, msg pubsub.Message) error
}

// A Terminator is told when its channel ends, on the channel's goroutine,
// after which no other method is called. reason is [ErrLeft] when the
// client left (or joined the topic again), [ErrClosed] when the connection
// closed or the channel was closed by the server, and an error wrapping
// [ErrChannelCrashed] or [ErrMailboxOverflow] after a crash. Terminate is
// not called when Join refused or failed: a Join that fails after setting
// things up releases them itself. It is called, with a [CrashError] of
// "Join", when Join succeeded but the channel could not start (its
// subscription to its own topic failed).
type Terminator interface {
	Terminate(reason error)
}

// A Lagger catches up when its channel fell behind, instead of crashing.
//
// A channel's PubSub mailbox is bounded ([Limits.MailboxSize]): when a
// burst of messages arrives faster than the channel handles them, the
// mailbox drops deliveries until the channel acknowledges the gap (see
// [pubsub.Mailbox]). A channel that is not a Lagger then crashes with
// [ErrMailboxOverflow], and its client rejoins and starts over. For a
// Lagger, the goroutine instead resumes the mailbox — what was still
// queued is discarded too, since it precedes the gap — and calls Lagged
// with the number of messages lost, on the channel's goroutine; messages
// delivered from then on arrive as usual. Broadcasts on the channel's own
// topic, which go straight to the client, are among the lost: Lagged
// reloads what the channel keeps from its source of truth and tells the
// client what it needs to catch up (a fresh presence_state, a "resync"
// event). What the reload already reflects may arrive again afterwards, so
// apply messages idempotently.
//
// A returned error crashes the channel; one that wraps
// [ErrMailboxOverflow] declines to catch up, and the channel ends as it
// would without Lagged. Under a sustained flood Lagged may run again soon
// after: the cure for a sender's flood is a rate limit on the sender, not
// a larger mailbox.
type Lagger interface {
	Lagged(ctx context.Context, dropped uint64) error
}

// An Interceptor sees the broadcasts of the events it names, on its
// channel's own topic, before they reach its client, and decides what to
// push instead (Phoenix's intercept and handle_out): call
// [Conn.Push] to pass one on, altered or not. Other broadcasts still
// go straight to the client. An intercepted broadcast costs an encoding per
// connection, so intercept only what must differ between clients.
type Interceptor interface {
	// Intercepts names the events to intercept. It is called once, after
	// Join.
	Intercepts() []string
	// HandleOut handles an intercepted broadcast. A returned error crashes
	// the channel.
	HandleOut(ctx context.Context, b *Broadcast) error
}

// A Drainer is a channel that batches work, such as the live view runtime,
// which renders once per burst of events: Drained is called on the
// channel's goroutine whenever it has just handled something (a client
// event, a PubSub message or a broadcast) and finds nothing else queued,
// neither client events nor PubSub messages. A burst is bounded: Drained
// is also called after every 64 things handled since its last call, even
// if more are queued, so that a sustained stream of messages cannot
// postpone it forever. It is not called after Join alone. A panic or a
// returned error crashes the channel.
type Drainer interface {
	Drained(ctx context.Context) error
}

// A Message is a message pushed by the client on a joined channel.
type Message struct {
	// Name is the event name, such as "new_msg".
	Name string
	// Ref identifies the push; pass it to [Conn.Reply] to reply later.
	Ref string
	// Payload is the JSON payload of a text frame; nil for a binary frame.
	Payload json.RawMessage
	// Binary is the payload of a binary frame; nil for a text frame.
	Binary []byte
}

// Decode decodes the event's JSON payload into v.
func (e Message) Decode(v any) error {
	if e.Binary != nil {
		return fmt.Errorf("channel: event %q: binary payload is not JSON", e.Name)
	}
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("channel: event %q: %w", e.Name, err)
	}
	return nil
}
