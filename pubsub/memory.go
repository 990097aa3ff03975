package pubsub

import (
	"context"
	"fmt"
	"sync"
)

// A MemoryCluster joins several PubSub instances of one process as if they
// were nodes sharing a broker, so that replication and cross-node behaviour
// can be tested without one. Its adapters carry encoded frames exactly like a
// network adapter, so values of unregistered types fail here as they would in
// production.
//
// Frames are delivered to every adapter of the cluster, the publisher's
// included, in one total order, each adapter from its own goroutine, through
// an unbounded queue. A MemoryCluster is safe for concurrent use.
type MemoryCluster struct {
	mu    sync.Mutex // guards nodes
	nodes map[*memoryAdapter]struct{}
}

// NewMemoryCluster returns an empty cluster.
func NewMemoryCluster() *MemoryCluster {
	return &MemoryCluster{nodes: make(map[*memoryAdapter]struct{})}
}

// Adapter returns a new adapter attached to the cluster, for the node named
// node (the name only labels errors; the PubSub's Options.Node is what
// identifies it on the wire). Pass it in Options.Adapter; the PubSub starts
// and closes it.
func (c *MemoryCluster) Adapter(node string) Adapter {
	return &memoryAdapter{cluster: c, node: node, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Nodes returns how many adapters of the cluster are started and not closed.
func (c *MemoryCluster) Nodes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.nodes)
}

type memoryAdapter struct {
	cluster *MemoryCluster
	node    string

	mu      sync.Mutex // guards queue, started, closed
	queue   [][]byte
	started bool
	closed  bool

	wake chan struct{} // capacity 1: the queue may be non-empty
	done chan struct{} // closed by Close
	wg   sync.WaitGroup
}

func (a *memoryAdapter) Start(receive func(frame []byte)) error {
	a.mu.Lock()
	if a.started || a.closed {
		a.mu.Unlock()
		return fmt.Errorf("pubsub: memory adapter %q started twice", a.node)
	}
	a.started = true
	a.mu.Unlock()

	a.cluster.mu.Lock()
	a.cluster.nodes[a] = struct{}{}
	a.cluster.mu.Unlock()

	a.wg.Go(func() { a.run(receive) })
	return nil
}

func (a *memoryAdapter) run(receive func(frame []byte)) {
	for {
		select {
		case <-a.done:
			return
		case <-a.wake:
		}
		for {
			a.mu.Lock()
			if a.closed || len(a.queue) == 0 {
				a.mu.Unlock()
				break
			}
			frame := a.queue[0]
			a.queue[0] = nil
			a.queue = a.queue[1:]
			a.mu.Unlock()
			receive(frame)
		}
	}
}

func (a *memoryAdapter) Publish(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	a.mu.Lock()
	closed := a.closed
	a.mu.Unlock()
	if closed {
		return fmt.Errorf("memory adapter %q: %w", a.node, ErrClosed)
	}
	// Frames are shared between receivers, which must not modify them.
	frame = append([]byte(nil), frame...)
	// Holding the cluster lock while enqueueing everywhere gives every node
	// the same order of frames, as a single broker would.
	a.cluster.mu.Lock()
	defer a.cluster.mu.Unlock()
	for n := range a.cluster.nodes {
		n.enqueue(frame)
	}
	return nil
}

func (a *memoryAdapter) enqueue(frame []byte) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return
	}
	a.queue = append(a.queue, frame)
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *memoryAdapter) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	a.queue = nil
	a.mu.Unlock()

	a.cluster.mu.Lock()
	delete(a.cluster.nodes, a)
	a.cluster.mu.Unlock()

	close(a.done)
	a.wg.Wait()
	return nil
}
