package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/templive/templive/pubsub"
)

// Defaults for [Options].
const (
	DefaultURL          = natsgo.DefaultURL
	DefaultSubject      = "templive.pubsub"
	DefaultPingInterval = time.Second
	DefaultMaxPingsOut  = 2
)

// Options configures an [Adapter]. The zero value connects to DefaultURL and
// uses DefaultSubject.
type Options struct {
	// Conn is the NATS connection to use. If nil, the adapter connects to
	// URL when started and closes the connection on Close; a connection
	// passed here is not closed, and keeps its own reconnect settings.
	Conn *natsgo.Conn
	// URL is the server to connect to when Conn is nil.
	URL string
	// Subject is the subject the nodes of one cluster share.
	Subject string
	// MaxBackoff caps the wait between reconnection attempts of a dialled
	// connection. The default is 5 s; attempts start at 50 ms and double,
	// with jitter.
	MaxBackoff time.Duration
	// PingInterval is how often a dialled connection pings the server, and
	// MaxPingsOut how many pings may go unanswered before the connection
	// is deemed stale (half-open: a dead NAT entry, a vanished host) and
	// replaced. The defaults, 1 s and 2, notice a half-open connection
	// within 3 s; nats.go's own, 2 minutes and 2, take up to 6 minutes.
	PingInterval time.Duration
	MaxPingsOut  int
	// ConnectOptions are appended to the adapter's own when it dials.
	ConnectOptions []natsgo.Option
	// Logger receives connection losses, recoveries and slow-consumer
	// drops. The default is [slog.Default].
	Logger *slog.Logger
}

// An Adapter is a [pubsub.Adapter] on NATS. Create it with [New] and hand it
// to [pubsub.New], which starts and closes it. Its methods are safe for
// concurrent use.
type Adapter struct {
	opts   Options
	logger *slog.Logger

	mu      sync.Mutex // guards conn, sub, started, closed
	conn    *natsgo.Conn
	owns    bool
	sub     *natsgo.Subscription
	started bool
	closed  bool

	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

// New returns an adapter configured by opts. It does not connect: the
// PubSub's New does, through Start.
func New(opts Options) *Adapter {
	if opts.URL == "" {
		opts.URL = DefaultURL
	}
	if opts.Subject == "" {
		opts.Subject = DefaultSubject
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.MaxPingsOut <= 0 {
		opts.MaxPingsOut = DefaultMaxPingsOut
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("layer", "pubsub/nats")
	return &Adapter{opts: opts, logger: logger, done: make(chan struct{})}
}

// frameBuffer is how many received frames may wait for the delivery
// goroutine before the client drops them as a slow consumer.
const frameBuffer = 4096

// Start connects if needed, subscribes to the subject, waits for the server
// to confirm, and starts the goroutine that hands frames to receive.
func (a *Adapter) Start(receive func(frame []byte)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return pubsub.ErrClosed
	}
	if a.started {
		return errors.New("nats adapter: started twice")
	}
	conn := a.opts.Conn
	if conn == nil {
		var err error
		conn, err = natsgo.Connect(a.opts.URL, a.connectOptions()...)
		if err != nil {
			return fmt.Errorf("nats adapter: connect to %s: %w", a.opts.URL, err)
		}
		a.owns = true
	}
	frames := make(chan *natsgo.Msg, frameBuffer)
	sub, err := conn.ChanSubscribe(a.opts.Subject, frames)
	if err == nil {
		// The round trip guarantees the server has registered the
		// subscription before New returns.
		err = conn.FlushTimeout(5 * time.Second)
	}
	if err != nil {
		if sub != nil {
			sub.Unsubscribe()
		}
		if a.owns {
			conn.Close()
		}
		return fmt.Errorf("nats adapter: subscribe to %q: %w", a.opts.Subject, err)
	}
	a.conn, a.sub, a.started = conn, sub, true
	a.wg.Go(func() {
		for {
			select {
			case <-a.done:
				return
			case m := <-frames:
				receive(m.Data)
			}
		}
	})
	return nil
}

func (a *Adapter) connectOptions() []natsgo.Option {
	opts := []natsgo.Option{
		natsgo.MaxReconnects(-1),
		natsgo.PingInterval(a.opts.PingInterval),
		natsgo.MaxPingsOutstanding(a.opts.MaxPingsOut),
		natsgo.CustomReconnectDelay(func(attempts int) time.Duration {
			d := 50 * time.Millisecond << min(attempts, 16)
			d = min(d, a.opts.MaxBackoff)
			return d/2 + rand.N(d/2+1)
		}),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			a.logger.Warn("disconnected, reconnecting", "subject", a.opts.Subject, "err", err)
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) {
			a.logger.Info("reconnected", "subject", a.opts.Subject, "server", c.ConnectedUrlRedacted())
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, _ *natsgo.Subscription, err error) {
			a.logger.Warn("frames lost", "subject", a.opts.Subject, "err", err)
		}),
		natsgo.NoCallbacksAfterClientClose(),
	}
	return append(opts, a.opts.ConnectOptions...)
}

// Publish sends frame to every node subscribed to the subject.
func (a *Adapter) Publish(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	conn, closed := a.conn, a.closed
	a.mu.Unlock()
	if closed || conn == nil {
		return pubsub.ErrClosed
	}
	if err := conn.Publish(a.opts.Subject, frame); err != nil {
		return fmt.Errorf("nats adapter: publish to %q: %w", a.opts.Subject, err)
	}
	return nil
}

// Close unsubscribes, waits for the delivery goroutine, and closes the
// connection if the adapter dialled it. It is idempotent.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	conn, sub, owns := a.conn, a.sub, a.owns
	a.mu.Unlock()

	var err error
	if sub != nil {
		if uerr := sub.Unsubscribe(); uerr != nil && !errors.Is(uerr, natsgo.ErrConnectionClosed) {
			err = uerr
		}
	}
	close(a.done)
	a.wg.Wait()
	if owns && conn != nil {
		conn.Close()
	}
	return err
}

var _ pubsub.Adapter = (*Adapter)(nil)
