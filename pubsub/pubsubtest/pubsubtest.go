package pubsubtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// A Factory returns the nodes of a new, connected cluster: New called once
// per node with opts, after setting opts.Node to a unique name and
// opts.Adapter to that node's adapter. It must arrange for every node to be
// closed when t ends (t.Cleanup) and fail t if the cluster cannot be built.
// A node must receive broadcasts from the others as soon as New returns.
type Factory func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub

// wait is how long the suite waits for a message that should arrive; it
// only bounds a failing test.
const wait = 5 * time.Second

// Run runs the conformance suite against clusters made by newCluster.
func Run(t *testing.T, newCluster Factory) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newHarness(t, newCluster)
			if tc.minNodes > len(c.nodes) {
				// Nothing to check on a single node; the in-process
				// suite covers the local half of the behaviour.
				return
			}
			tc.run(t, c)
		})
	}
}

type testCase struct {
	name     string
	minNodes int
	run      func(t *testing.T, c *harness)
}

// harness is one cluster plus the errors its nodes reported.
type harness struct {
	nodes []*pubsub.PubSub

	mu   sync.Mutex // guards errs
	errs []error
}

func newHarness(t *testing.T, newCluster Factory) *harness {
	t.Helper()
	c := &harness{}
	opts := pubsub.Options{
		MailboxSize: 1024,
		Logger:      slog.New(slog.DiscardHandler),
		OnError: func(err error) {
			c.mu.Lock()
			c.errs = append(c.errs, err)
			c.mu.Unlock()
		},
	}
	c.nodes = newCluster(t, opts)
	if len(c.nodes) == 0 {
		t.Fatal("pubsubtest: the factory returned no node")
	}
	seen := map[string]bool{}
	for _, n := range c.nodes {
		if seen[n.Node()] {
			t.Fatalf("pubsubtest: two nodes are named %q", n.Node())
		}
		seen[n.Node()] = true
		for name, sample := range map[string]any{
			"pubsubtest.Event":  Event{},
			"pubsubtest.*Event": &Event{},
		} {
			if err := n.Register(name, sample); err != nil {
				t.Fatalf("pubsubtest: register %s on %s: %v", name, n.Node(), err)
			}
		}
	}
	return c
}

// errors returns the errors reported so far that match target.
func (c *harness) errorsIs(target error) []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []error
	for _, err := range c.errs {
		if errors.Is(err, target) {
			out = append(out, err)
		}
	}
	return out
}

// Event is the payload type the suite broadcasts across nodes. Factories
// need not register it: the suite does.
type Event struct {
	Seq  int
	From string
	Tags []string
}

func subscribe(t *testing.T, ps *pubsub.PubSub, topic string) *pubsub.Subscription {
	t.Helper()
	s, err := ps.Subscribe(topic)
	if err != nil {
		t.Fatalf("Subscribe(%q) on %s: %v", topic, ps.Node(), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func broadcast(t *testing.T, ps *pubsub.PubSub, topic string, msg any) {
	t.Helper()
	if err := ps.Broadcast(t.Context(), topic, msg); err != nil {
		t.Fatalf("Broadcast(%q, %v) on %s: %v", topic, msg, ps.Node(), err)
	}
}

// next waits for the next message of a mailbox.
func next(t *testing.T, mb *pubsub.Mailbox, what string) pubsub.Message {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case m := <-mb.C():
		return m
	case <-mb.Overflow():
		t.Fatalf("%s: mailbox overflowed", what)
	case <-timer.C:
		t.Fatalf("%s: no message after %v", what, wait)
	}
	return pubsub.Message{}
}

// empty fails if a message is waiting. Call it after a marker proved that
// everything broadcast before it has arrived.
func empty(t *testing.T, mb *pubsub.Mailbox, what string) {
	t.Helper()
	select {
	case m := <-mb.C():
		t.Fatalf("%s: unexpected message %+v", what, m)
	default:
	}
}

// marker broadcasts a marker from ps and waits until every mailbox in mbs
// has received it, checking that nothing else came before it. Because one
// publisher's messages arrive in order, anything ps broadcast earlier has
// arrived by then.
func marker(t *testing.T, ps *pubsub.PubSub, topic string, mbs ...*pubsub.Mailbox) {
	t.Helper()
	mark := fmt.Sprintf("marker-%d", markers.Add(1))
	broadcast(t, ps, topic, mark)
	for i, mb := range mbs {
		m := next(t, mb, fmt.Sprintf("waiting for %s in mailbox %d", mark, i))
		if m.Payload != mark {
			t.Fatalf("mailbox %d: got %+v before %s", i, m, mark)
		}
	}
}

var markers atomic.Int64

func canceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
