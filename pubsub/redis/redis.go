package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/templive/templive/pubsub"
)

// Defaults for [Options].
const (
	DefaultAddr        = "127.0.0.1:6379"
	DefaultChannel     = "templive:pubsub"
	DefaultHealthCheck = 2 * time.Second
)

// Options configures an [Adapter]. The zero value connects to DefaultAddr
// and uses DefaultChannel.
type Options struct {
	// Client is the Redis client to use. If nil, the adapter creates one for
	// Addr and closes it on Close; a client passed here is not closed, and
	// should have ContextTimeoutEnabled set, so that a publish on a dead
	// connection gives up at the PubSub's PublishTimeout.
	Client goredis.UniversalClient
	// Addr is the server to dial when Client is nil.
	Addr string
	// Channel is the Redis channel the nodes of one cluster share.
	Channel string
	// StartTimeout bounds the initial subscribe. The default is 5 s.
	StartTimeout time.Duration
	// MaxBackoff caps the wait between reconnection attempts. The default
	// is 5 s; attempts start at 50 ms and double, with jitter.
	MaxBackoff time.Duration
	// HealthCheck is how long the subscription may stay silent before it
	// is pinged; a ping unanswered for as long again means the connection
	// is half-open (a dead NAT entry, a vanished host), and it is replaced.
	// The default, 2 s, notices a half-open connection within 4 s for one
	// ping every 2 s of silence.
	HealthCheck time.Duration
	// Logger receives connection losses and recoveries. The default is
	// [slog.Default].
	Logger *slog.Logger
}

// An Adapter is a [pubsub.Adapter] on Redis pub/sub. Create it with [New]
// and hand it to [pubsub.New], which starts and closes it. Its methods are
// safe for concurrent use.
type Adapter struct {
	client     goredis.UniversalClient
	ownsClient bool
	channel    string
	startWait  time.Duration
	maxBackoff time.Duration
	health     time.Duration
	logger     *slog.Logger

	mu      sync.Mutex // guards sub, started, closed
	sub     *goredis.PubSub
	started bool
	closed  bool

	ctx    context.Context // canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an adapter configured by opts. It does not connect: the
// PubSub's New does, through Start.
func New(opts Options) *Adapter {
	a := &Adapter{
		client:     opts.Client,
		channel:    opts.Channel,
		startWait:  opts.StartTimeout,
		maxBackoff: opts.MaxBackoff,
		health:     opts.HealthCheck,
		logger:     opts.Logger,
	}
	if a.client == nil {
		addr := opts.Addr
		if addr == "" {
			addr = DefaultAddr
		}
		a.client = goredis.NewClient(&goredis.Options{
			Addr: addr,
			// Maintenance notifications concern managed Redis
			// deployments; their background goroutine outlives Close.
			MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
			// A publish gives up at the PubSub's PublishTimeout, not
			// only at the client's own read and write timeouts.
			ContextTimeoutEnabled: true,
		})
		a.ownsClient = true
	}
	if a.channel == "" {
		a.channel = DefaultChannel
	}
	if a.startWait <= 0 {
		a.startWait = 5 * time.Second
	}
	if a.health <= 0 {
		a.health = DefaultHealthCheck
	}
	if a.maxBackoff <= 0 {
		a.maxBackoff = 5 * time.Second
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	a.logger = a.logger.With("layer", "pubsub/redis")
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a
}

// Start subscribes to the channel, waits for Redis to confirm, and starts
// the goroutine that hands incoming frames to receive.
func (a *Adapter) Start(receive func(frame []byte)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return pubsub.ErrClosed
	}
	if a.started {
		return errors.New("redis adapter: started twice")
	}
	ctx, cancel := context.WithTimeout(a.ctx, a.startWait)
	defer cancel()
	sub := a.client.Subscribe(ctx, a.channel)
	// The first reply confirms the subscription; until then a frame
	// published by another node could be missed.
	reply, err := sub.ReceiveTimeout(ctx, a.startWait)
	if err == nil {
		if _, ok := reply.(*goredis.Subscription); !ok {
			err = fmt.Errorf("unexpected first reply %T", reply)
		}
	}
	if err != nil {
		sub.Close()
		return fmt.Errorf("redis adapter: subscribe to %q: %w", a.channel, err)
	}
	a.sub = sub
	a.started = true
	a.wg.Go(func() { a.run(sub, receive) })
	return nil
}

func (a *Adapter) run(sub *goredis.PubSub, receive func(frame []byte)) {
	backoff := time.Duration(0)
	pinged := false // a ping is out, and nothing has come back since
	for {
		reply, err := sub.ReceiveTimeout(a.ctx, a.health)
		if a.ctx.Err() != nil {
			return
		}
		if err != nil {
			var netErr interface{ Timeout() bool }
			if errors.As(err, &netErr) && netErr.Timeout() {
				if !pinged {
					// Idle: a failed ping makes the next receive reconnect;
					// one that is never answered shows on the next timeout.
					if err := sub.Ping(a.ctx); err == nil {
						pinged = true
						continue
					}
				} else {
					err = fmt.Errorf("no answer to a ping within %s: connection half-open", a.health)
					if sub = a.resubscribe(sub); sub == nil {
						return
					}
					pinged = false
				}
			}
			backoff = a.nextBackoff(backoff)
			a.logger.Warn("connection lost, retrying", "channel", a.channel, "err", err, "in", backoff)
			select {
			case <-a.ctx.Done():
				return
			case <-time.After(backoff):
			}
			continue
		}
		pinged = false
		switch r := reply.(type) {
		case *goredis.Message:
			receive([]byte(r.Payload))
		case *goredis.Subscription:
			if backoff > 0 {
				a.logger.Info("resubscribed", "channel", r.Channel)
			}
			backoff = 0
		}
	}
}

// resubscribe replaces a subscription whose connection stopped answering
// with a new one, on a new connection. It returns nil if the adapter closed
// meanwhile.
func (a *Adapter) resubscribe(old *goredis.PubSub) *goredis.PubSub {
	old.Close()
	sub := a.client.Subscribe(a.ctx, a.channel) // connects on the next receive
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		sub.Close()
		return nil
	}
	a.sub = sub
	return sub
}

func (a *Adapter) nextBackoff(d time.Duration) time.Duration {
	d = max(2*d, 50*time.Millisecond)
	d = min(d, a.maxBackoff)
	// Jitter spreads the reconnections of many nodes after an outage.
	return d/2 + rand.N(d/2+1)
}

// Publish sends frame to every node subscribed to the channel.
func (a *Adapter) Publish(ctx context.Context, frame []byte) error {
	if a.isClosed() {
		return pubsub.ErrClosed
	}
	if err := a.client.Publish(ctx, a.channel, frame).Err(); err != nil {
		return fmt.Errorf("redis adapter: publish to %q: %w", a.channel, err)
	}
	return nil
}

// PublishBatch sends frames, in order, in one pipeline: one round trip for
// what queued up while a publish was under way.
func (a *Adapter) PublishBatch(ctx context.Context, frames [][]byte) error {
	if a.isClosed() {
		return pubsub.ErrClosed
	}
	_, err := a.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for _, f := range frames {
			p.Publish(ctx, a.channel, f)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis adapter: publish %d frames to %q: %w", len(frames), a.channel, err)
	}
	return nil
}

func (a *Adapter) isClosed() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.closed
}

// Close unsubscribes, waits for the receive goroutine, and closes the client
// if the adapter created it. It is idempotent.
func (a *Adapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	sub := a.sub
	a.mu.Unlock()

	a.cancel()
	var err error
	if sub != nil {
		// Closing the connection unblocks the receive loop.
		err = sub.Close()
	}
	a.wg.Wait()
	if a.ownsClient {
		err = errors.Join(err, a.client.Close())
	}
	return err
}

var (
	_ pubsub.Adapter        = (*Adapter)(nil)
	_ pubsub.BatchPublisher = (*Adapter)(nil)
)
