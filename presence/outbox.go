package presence

import (
	"sync"
)

// outbox is the queue of diffs between the changes, made under the
// Tracker's lock, and their delivery, which may wait on Fetch. It is
// unbounded so that tracking never blocks; it holds one diff per change
// not yet delivered.
type outbox[M any] struct {
	mu     sync.Mutex // guards queue, closed
	queue  []Diff[M]
	closed bool
	wake   chan struct{} // capacity 1: a pending signal
}

func newOutbox[M any]() *outbox[M] {
	return &outbox[M]{wake: make(chan struct{}, 1)}
}

func (o *outbox[M]) push(d Diff[M]) {
	if d.IsEmpty() {
		return
	}
	o.mu.Lock()
	o.queue = append(o.queue, d)
	o.mu.Unlock()
	o.signal()
}

func (o *outbox[M]) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// close makes take return what is left and then report the end.
func (o *outbox[M]) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	o.signal()
}

// take waits for queued diffs and returns them all; ok is false once the
// outbox is closed and drained.
func (o *outbox[M]) take() (diffs []Diff[M], ok bool) {
	for {
		o.mu.Lock()
		diffs, o.queue = o.queue, nil
		closed := o.closed
		o.mu.Unlock()
		if len(diffs) > 0 {
			return diffs, true
		}
		if closed {
			return nil, false
		}
		<-o.wake
	}
}
