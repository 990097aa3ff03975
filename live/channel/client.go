package channel

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// Close codes the server sends (RFC 6455 §7.4.1).
const (
	closeNormal       = websocket.CloseNormalClosure           // 1000: disconnected by the server, idle
	closeGoingAway    = websocket.CloseGoingAway               // 1001: Shutdown
	closeInvalidData  = websocket.CloseInvalidFramePayloadData // 1007: malformed frame
	closePolicy       = websocket.ClosePolicyViolation         // 1008: client too slow, too many events
	closeInternalErr  = websocket.CloseInternalServerErr       // 1011
	maxCloseTextBytes = 123
)

// A client is one connected browser or app: an upgraded WebSocket and the
// channels it joined. Socket.ServeHTTP upgrades the request and starts
// serve on a goroutine of its own, which the socket's Shutdown waits for,
// then returns. serve runs the reader (readLoop, read.go); the reader
// starts each joined channel's goroutine (Conn.run, run.go) as it handles
// the phx_join. Once the reader returns, serve stops the channels and
// waits for them and for the close to finish before it returns. Every
// data frame sent to the client goes through outQ, written by whoever
// holds the writer's role (write.go): a channel's goroutine after its
// callback, or a goroutine started for frames queued elsewhere. The only
// other writes are control frames: the close frame finish sends last, and
// gorilla's answers to the client's pings and close, written by the
// reader with WriteControl, which gorilla allows alongside one writer.
type client struct {
	sock   *socketCore
	conn   transport
	info   *ConnectInfo
	id     string
	state  any
	logger *slog.Logger

	// The outbound queue: a slice rather than a buffered channel, so that
	// an idle connection holds no buffer, only what is waiting. outBytes
	// counts what outQ and the writer's batch hold (see frameCost), at
	// most limits.outboundBytes.
	outMu     sync.Mutex // guards outQ, outBytes, outClosed, writing
	outQ      []outFrame // frames waiting for the writer
	outBytes  int        // the cost of the frames not yet written, also counted in sock.outBytes
	outClosed bool       // the connection has ended: nothing more is queued
	writing   bool       // someone holds the writer's role (write.go)

	// Owned by the writer's role holder.
	spare        []outFrame // an empty batch slice kept for reuse
	backlogSince time.Time  // when the queue last stopped being empty; zero once all is written

	writeStart atomic.Int64 // when the write in progress started (UnixNano), 0 if none

	readerDone chan struct{} // closed when the reader has returned
	finished   chan struct{} // closed when finish has closed the connection

	// The client frames queued for the channels' goroutines, in bytes on
	// the wire, at most limits.inboundBytes (read.go). The reader adds,
	// channels subtract and signal inFreed.
	inBytes atomic.Int64
	inFreed chan struct{} // capacity 1: a token tells a waiting reader that inBytes fell

	closeOnce sync.Once
	done      chan struct{} // closed by close
	closeCode int           // set once, before done is closed
	closeText string
	closeErr  error

	mu       sync.Mutex // guards channels
	channels map[string]*Conn

	wg sync.WaitGroup // the channels' goroutines, and watchID
}

func newClient(sc *socketCore, conn transport, info *ConnectInfo, id string, state any) *client {
	logger := sc.logger.With("remote", info.RemoteAddr)
	if id != "" {
		logger = logger.With("socket_id", id)
	}
	return &client{
		sock:       sc,
		conn:       conn,
		info:       info,
		id:         id,
		state:      state,
		logger:     logger,
		inFreed:    make(chan struct{}, 1),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		finished:   make(chan struct{}),
		channels:   map[string]*Conn{},
	}
}

// close starts closing the connection with a close code, a short text for
// the client and the reason for the logs. The first call wins, and only it
// reports true; it does not wait.
func (c *client) close(code int, text string, reason error) (started bool) {
	c.closeOnce.Do(func() {
		if len(text) > maxCloseTextBytes {
			text = text[:maxCloseTextBytes]
		}
		c.closeCode, c.closeText, c.closeErr = code, text, reason
		close(c.done)
		started = true
		// The writer, if there is one, finishes when it sees done
		// (writeQueued); otherwise finish starts here.
		c.outMu.Lock()
		idle := !c.writing
		c.writing = true
		c.outMu.Unlock()
		if idle {
			go c.finish(nil)
		}
	})
	return started
}

// serve runs the connection until it closes and every goroutine it
// started has returned.
func (c *client) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var idMailbox *pubsub.Mailbox
	if c.id != "" {
		idMailbox = pubsub.NewMailbox(4)
		sub, err := c.sock.ps.SubscribeMailbox(idMailbox, c.id)
		if err != nil {
			c.logger.Error("socket ID not subscribed", "err", err)
			c.close(closeInternalErr, "internal error", err)
		} else {
			defer sub.Close()
		}
	}

	if idMailbox != nil {
		c.wg.Go(func() { c.watchID(idMailbox) })
	}
	c.readLoop(ctx)
	close(c.readerDone)
	cancel() // abort callbacks blocked on the connection's context
	// The reader returns once the connection closes; this only makes sure.
	c.close(closeNormal, "", errConnLost)

	reason := errConnLost
	select {
	case <-c.done: // close, which closed it, has set closeErr
		if !lost(c.closeErr) {
			reason = ErrClosed
		}
	default:
	}
	c.mu.Lock()
	for _, cc := range c.channels {
		cc.requestStop(reason)
	}
	c.mu.Unlock()
	c.wg.Wait()
	<-c.finished
	// What is still counted was dropped: it leaves the socket's total,
	// and a push from another goroutine finds the queue closed.
	c.outMu.Lock()
	c.outClosed = true
	c.sock.outBytes.Add(-int64(c.outBytes))
	c.outQ, c.outBytes = nil, 0
	c.outMu.Unlock()
	c.logger.Debug("socket closed", "code", c.closeCode, "reason", c.closeErr)
}

// removeChannel forgets cc if it is still the channel of its topic.
func (c *client) removeChannel(cc *Conn) {
	c.mu.Lock()
	if c.channels[cc.topic] == cc {
		delete(c.channels, cc.topic)
	}
	c.mu.Unlock()
}

// lost reports whether a connection closed for reason was lost, so that
// its channels may park (see [Parker]): not when the server ended it on
// purpose (Shutdown, Disconnect), nor when the client closed it with a
// close frame (a page unloading, a script), which it does not do when
// its network fails. A close without a frame (code 1006) is a loss.
func lost(reason error) bool {
	if reason == ErrClosed || errors.Is(reason, ErrDisconnected) {
		return false
	}
	var ce *websocket.CloseError
	return !errors.As(reason, &ce) || ce.Code == websocket.CloseAbnormalClosure
}
