package pubsub

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the publishing side of [Options].
const (
	// DefaultPublishTimeout bounds one publish to the adapter, and how long
	// Close waits for the frames still queued.
	DefaultPublishTimeout = 2 * time.Second
	// DefaultPublishQueue is how many frames may wait for the adapter.
	DefaultPublishQueue = 4096
	// DefaultPublishQueueBytes is how many bytes of frames may wait for the
	// adapter.
	DefaultPublishQueueBytes = 16 << 20
)

// A batch is what the publisher hands the adapter at once: at most this
// many frames, and past the first frame at most this many bytes.
const (
	maxBatch      = 256
	maxBatchBytes = 1 << 20
)

// publisher carries this node's frames to the adapter from one goroutine,
// in the order they were queued, so that a broadcast never waits for the
// broker: not for a round trip, not for a reconnection, not for a
// connection that stopped answering. The queue is bounded in frames and in
// bytes; when it is full the oldest frame is dropped, as a frame published
// while the broker is down would be lost anyway (delivery across nodes is
// at most once), and the newest ones are the ones worth sending when it
// comes back.
//
// Its goroutine is started by newPublisher; stop, then wait, end it.
type publisher struct {
	adapter  Adapter
	batcher  BatchPublisher // the adapter, if it publishes batches
	timeout  time.Duration
	maxLen   int
	maxBytes int
	logger   *slog.Logger
	notify   func(error) // Options.OnError, or nothing

	mu       sync.Mutex // guards queue, head, size, closing, failing, dropping
	queue    [][]byte   // the frames waiting are queue[head:]
	head     int
	size     int  // bytes waiting
	closing  bool // stop was called: take no more frames
	failing  bool // a publish failed, and none succeeded since
	dropping bool // frames were dropped, and no publish succeeded since

	wake   chan struct{}   // capacity 1: the queue may hold frames, or stop was called
	ctx    context.Context // canceled once stop gives up waiting for the broker
	cancel context.CancelFunc
	done   chan struct{} // closed when the goroutine returns

	errors  atomic.Uint64 // frames the adapter failed to publish
	dropped atomic.Uint64 // frames dropped unpublished
}

func newPublisher(a Adapter, opts Options, logger *slog.Logger) *publisher {
	p := &publisher{
		adapter:  a,
		timeout:  opts.PublishTimeout,
		maxLen:   opts.PublishQueue,
		maxBytes: opts.PublishQueueBytes,
		logger:   logger,
		notify:   opts.OnError,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	p.batcher, _ = a.(BatchPublisher)
	if p.timeout <= 0 {
		p.timeout = DefaultPublishTimeout
	}
	if p.maxLen <= 0 {
		p.maxLen = DefaultPublishQueue
	}
	if p.maxBytes <= 0 {
		p.maxBytes = DefaultPublishQueueBytes
	}
	if p.notify == nil {
		p.notify = func(error) {}
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	go p.run()
	return p
}

// enqueue queues frame for the adapter without blocking, dropping the
// oldest frames if the queue is full. It returns false after stop.
func (p *publisher) enqueue(frame []byte) bool {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		return false
	}
	lost := 0
	for p.waitingLocked() > 0 && (p.waitingLocked() >= p.maxLen || p.size+len(frame) > p.maxBytes) {
		p.size -= len(p.queue[p.head])
		p.queue[p.head] = nil
		p.head++
		lost++
	}
	if p.head > 0 && p.head >= len(p.queue)/2 && len(p.queue) == cap(p.queue) {
		// Reuse the front of the array rather than grow it.
		n := copy(p.queue, p.queue[p.head:])
		clear(p.queue[n:])
		p.queue, p.head = p.queue[:n], 0
	}
	p.queue = append(p.queue, frame)
	p.size += len(frame)
	first := lost > 0 && !p.dropping
	if lost > 0 {
		p.dropping = true
	}
	queued, size := p.waitingLocked(), p.size
	p.mu.Unlock()

	if lost > 0 {
		p.dropped.Add(uint64(lost))
	}
	if first {
		// Once per outage: every later drop is only counted.
		p.logger.Warn("publish queue full, dropping the oldest frames", "frames", queued, "bytes", size)
		p.notify(fmt.Errorf("%w: the queue to other nodes is full (%d frames, %d bytes): dropping the oldest", ErrPublish, queued, size))
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return true
}

func (p *publisher) run() {
	defer close(p.done)
	var batch [][]byte
	for {
		var closing bool
		batch, closing = p.take(batch[:0])
		if len(batch) == 0 {
			if closing {
				return
			}
			<-p.wake
			continue
		}
		p.publish(batch)
		clear(batch) // the frames are the adapter's now, or lost
	}
}

// waitingLocked returns the number of frames waiting.
func (p *publisher) waitingLocked() int { return len(p.queue) - p.head }

// keepQueue is the capacity of the queue's array kept once it is empty; a
// burst's larger array is let go.
const keepQueue = maxBatch

// take moves the next batch from the queue into batch. After stop gave up
// waiting, it drops what is left instead.
func (p *publisher) take(batch [][]byte) ([][]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		p.dropped.Add(uint64(p.waitingLocked()))
		p.queue, p.head, p.size = nil, 0, 0
		return batch, true
	}
	bytes := 0
	for p.head < len(p.queue) && len(batch) < maxBatch && (len(batch) == 0 || bytes+len(p.queue[p.head]) <= maxBatchBytes) {
		f := p.queue[p.head]
		bytes += len(f)
		batch = append(batch, f)
		p.queue[p.head] = nil
		p.head++
	}
	p.size -= bytes
	if p.head == len(p.queue) {
		if cap(p.queue) > keepQueue {
			p.queue = nil
		} else {
			p.queue = p.queue[:0]
		}
		p.head = 0
	}
	return batch, p.closing
}

// publish hands batch to the adapter, bounded by the publish timeout, and
// accounts for the outcome.
func (p *publisher) publish(batch [][]byte) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	sent := 0
	var err error
	if p.batcher != nil && len(batch) > 1 {
		if err = p.batcher.PublishBatch(ctx, batch); err == nil {
			sent = len(batch)
		}
	} else {
		for _, frame := range batch {
			if err = p.adapter.Publish(ctx, frame); err != nil {
				break
			}
			sent++
		}
	}

	p.mu.Lock()
	firstFailure := err != nil && !p.failing
	recovered := err == nil && (p.failing || p.dropping)
	if err != nil {
		p.failing = true
	} else {
		p.failing, p.dropping = false, false
	}
	p.mu.Unlock()

	if err == nil {
		if recovered {
			p.logger.Info("publishing to other nodes again",
				"publish_errors", p.errors.Load(), "publish_dropped", p.dropped.Load())
		}
		return
	}
	failed := len(batch) - sent
	p.errors.Add(uint64(failed))
	err = fmt.Errorf("%w: %d frames: %w", ErrPublish, failed, err)
	if firstFailure {
		// Logged once per outage; OnError hears of every failure.
		p.logger.Warn("publishing to other nodes failed; local delivery goes on", "err", err)
	}
	p.notify(err)
}

// stop takes no more frames and lets the goroutine publish what is queued
// for up to the publish timeout; then it cancels the publish in flight and
// has the rest dropped. Call wait after closing the adapter, which ends a
// publish that ignores its context.
func (p *publisher) stop() {
	p.mu.Lock()
	p.closing = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		p.cancel()
	}
}

// wait waits for the goroutine to return.
func (p *publisher) wait() {
	<-p.done
	p.cancel()
}
