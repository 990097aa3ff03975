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
	mu    sync.Mutex // guards nodes, cut
	nodes map[*memoryAdapter]struct{}
	cut   map[string]bool // node names disconnected by Cut
}

// NewMemoryCluster returns an empty cluster.
func NewMemoryCluster() *MemoryCluster {
	return &MemoryCluster{nodes: make(map[*memoryAdapter]struct{}), cut: make(map[string]bool)}
}

// Adapter returns a new adapter attached to the cluster, for the node named
// node. The name is what [MemoryCluster.Cut] refers to and labels errors;
// the PubSub's Options.Node is what identifies the node on the wire, and
// should be the same. Pass the adapter in Options.Adapter; the PubSub starts
// and closes it.
func (c *MemoryCluster) Adapter(node string) Adapter {
	return &memoryAdapter{cluster: c, node: node, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Cut disconnects the adapters created for node, as a network partition
// would: until Restore they receive nothing, and their Publish fails, so
// their PubSub keeps serving its local subscribers and reports what it could
// not publish. Frames published meanwhile are lost to them, as with a real
// broker. Cut lets tests watch a node fall silent without closing it.
func (c *MemoryCluster) Cut(node string) { c.setDown(node, true) }

// Restore reconnects the adapters created for node after Cut.
func (c *MemoryCluster) Restore(node string) { c.setDown(node, false) }

func (c *MemoryCluster) setDown(node string, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if down {
		c.cut[node] = true
	} else {
		delete(c.cut, node)
	}
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
	// Holding the cluster lock while enqueueing everywhere gives every node
	// the same order of frames, as a single broker would.
	a.cluster.mu.Lock()
	defer a.cluster.mu.Unlock()
	if a.cluster.cut[a.node] {
		return fmt.Errorf("memory adapter %q: %w", a.node, ErrDisconnected)
	}
	for n := range a.cluster.nodes {
		if !a.cluster.cut[n.node] {
			n.enqueue(frame)
		}
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
