package pubsubtest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/templive/templive/pubsub"
)

var cases = []testCase{
	{name: "a local subscriber receives the very value that was broadcast", run: func(t *testing.T, c *harness) {
		ps := c.nodes[0]
		s := subscribe(t, ps, "posts")
		ev := &Event{Seq: 1}
		broadcast(t, ps, "posts", ev)
		m := next(t, s.Mailbox(), "local delivery")
		if got, ok := m.Payload.(*Event); !ok || got != ev || m.Topic != "posts" {
			t.Fatalf("got %#v on %q, want the pointer %p on %q", m.Payload, m.Topic, ev, "posts")
		}
	}},
	{name: "each subscriber on every node receives a broadcast exactly once", run: func(t *testing.T, c *harness) {
		var mbs []*pubsub.Mailbox
		var others []*pubsub.Mailbox
		for _, n := range c.nodes {
			mbs = append(mbs, subscribe(t, n, "posts:42").Mailbox(), subscribe(t, n, "posts:42").Mailbox())
			others = append(others, subscribe(t, n, "posts:43").Mailbox(), subscribe(t, n, "posts").Mailbox())
		}
		broadcast(t, c.nodes[0], "posts:42", Event{Seq: 7, From: "a"})
		for i, mb := range mbs {
			m := next(t, mb, fmt.Sprintf("subscriber %d", i))
			if ev, ok := m.Payload.(Event); !ok || ev.Seq != 7 || m.Topic != "posts:42" {
				t.Fatalf("subscriber %d got %#v on %q", i, m.Payload, m.Topic)
			}
		}
		marker(t, c.nodes[0], "posts:42", mbs...)
		for i, mb := range others {
			empty(t, mb, fmt.Sprintf("subscriber %d of another topic", i))
		}
	}},
	{name: "messages from one publisher arrive in the order they were broadcast", run: func(t *testing.T, c *harness) {
		const n = 200
		var mbs []*pubsub.Mailbox
		for _, node := range c.nodes {
			mbs = append(mbs, subscribe(t, node, "feed").Mailbox())
		}
		src := c.nodes[len(c.nodes)-1]
		for i := range n {
			broadcast(t, src, "feed", Event{Seq: i})
		}
		for j, mb := range mbs {
			for i := range n {
				m := next(t, mb, fmt.Sprintf("node %d message %d", j, i))
				if ev, _ := m.Payload.(Event); ev.Seq != i {
					t.Fatalf("node %d: message %d is %#v", j, i, m.Payload)
				}
			}
		}
	}},
	{name: "a duplicate subscription receives each message twice", run: func(t *testing.T, c *harness) {
		for _, src := range c.nodes {
			mb := pubsub.NewMailbox(16)
			var subs []*pubsub.Subscription
			for range 2 {
				s, err := c.nodes[0].SubscribeMailbox(mb, "dup")
				if err != nil {
					t.Fatal(err)
				}
				subs = append(subs, s)
			}
			broadcast(t, src, "dup", "once")
			for i := range 2 {
				if m := next(t, mb, fmt.Sprintf("copy %d from %s", i, src.Node())); m.Payload != "once" {
					t.Fatalf("copy %d is %#v", i, m.Payload)
				}
			}
			marker(t, src, "dup", mb, mb)
			empty(t, mb, "after two copies")
			for _, s := range subs {
				s.Close()
			}
		}
	}},
	{name: "BroadcastFrom skips the sender's mailbox and reaches every other subscriber", run: func(t *testing.T, c *harness) {
		ps := c.nodes[0]
		self := pubsub.NewMailbox(16)
		if _, err := ps.SubscribeMailbox(self, "room:1"); err != nil {
			t.Fatal(err)
		}
		var mbs []*pubsub.Mailbox
		for _, n := range c.nodes {
			mbs = append(mbs, subscribe(t, n, "room:1").Mailbox())
		}
		if err := ps.BroadcastFrom(t.Context(), self, "room:1", "typing"); err != nil {
			t.Fatal(err)
		}
		for i, mb := range mbs {
			if m := next(t, mb, fmt.Sprintf("subscriber %d", i)); m.Payload != "typing" {
				t.Fatalf("subscriber %d got %#v", i, m.Payload)
			}
		}
		ps.LocalBroadcastFrom(self, "room:1", "local typing")
		if m := next(t, mbs[0], "local subscriber"); m.Payload != "local typing" {
			t.Fatalf("local subscriber got %#v", m.Payload)
		}
		marker(t, ps, "room:1", append(mbs, self)...)
	}},
	{name: "LocalBroadcast reaches this node and no other", run: func(t *testing.T, c *harness) {
		var mbs []*pubsub.Mailbox
		for _, n := range c.nodes {
			mbs = append(mbs, subscribe(t, n, "local").Mailbox())
		}
		c.nodes[0].LocalBroadcast("local", "here only")
		if m := next(t, mbs[0], "local subscriber"); m.Payload != "here only" {
			t.Fatalf("local subscriber got %#v", m.Payload)
		}
		marker(t, c.nodes[0], "local", mbs...)
	}},
	{name: "DirectBroadcast reaches only the named node", minNodes: 2, run: func(t *testing.T, c *harness) {
		var mbs []*pubsub.Mailbox
		for _, n := range c.nodes {
			mbs = append(mbs, subscribe(t, n, "direct").Mailbox())
		}
		target := c.nodes[1]
		if err := c.nodes[0].DirectBroadcast(t.Context(), target.Node(), "direct", Event{Seq: 1}); err != nil {
			t.Fatal(err)
		}
		if m := next(t, mbs[1], "target node"); m.Payload.(Event).Seq != 1 {
			t.Fatalf("target got %#v", m.Payload)
		}
		marker(t, c.nodes[0], "direct", mbs...)
	}},
	{name: "after Unsubscribe nothing more is delivered and closing again is harmless", run: func(t *testing.T, c *harness) {
		for _, src := range c.nodes {
			s := subscribe(t, c.nodes[0], "bye")
			stay := subscribe(t, c.nodes[0], "bye")
			broadcast(t, src, "bye", "first")
			next(t, s.Mailbox(), "before unsubscribe")
			next(t, stay.Mailbox(), "before unsubscribe")
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := c.nodes[0].Unsubscribe(s); err != nil {
				t.Fatal(err)
			}
			broadcast(t, src, "bye", "second")
			if m := next(t, stay.Mailbox(), "after unsubscribe"); m.Payload != "second" {
				t.Fatalf("remaining subscriber got %#v", m.Payload)
			}
			marker(t, src, "bye", stay.Mailbox())
			empty(t, s.Mailbox(), "closed subscription")
			stay.Close()
		}
	}},
	{name: "Close is idempotent and later calls fail with ErrClosed", run: func(t *testing.T, c *harness) {
		ps := c.nodes[0]
		s := subscribe(t, ps, "x")
		if err := ps.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := ps.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, err := ps.Subscribe("x"); !errors.Is(err, pubsub.ErrClosed) {
			t.Fatalf("Subscribe after Close: %v, want ErrClosed", err)
		}
		if err := ps.Broadcast(t.Context(), "x", "late"); !errors.Is(err, pubsub.ErrClosed) {
			t.Fatalf("Broadcast after Close: %v, want ErrClosed", err)
		}
		ps.LocalBroadcast("x", "late")
		empty(t, s.Mailbox(), "subscription of a closed PubSub")
		if err := s.Close(); err != nil {
			t.Fatalf("closing a subscription after its PubSub: %v", err)
		}
	}},
	{name: "a canceled context fails the broadcast before anything is delivered", run: func(t *testing.T, c *harness) {
		s := subscribe(t, c.nodes[0], "ctx")
		if err := c.nodes[0].Broadcast(canceled(t), "ctx", "no"); err == nil {
			t.Fatal("Broadcast with a canceled context succeeded")
		}
		marker(t, c.nodes[0], "ctx", s.Mailbox())
	}},
	{name: "a full mailbox drops, signals overflow, and stays lagged until Resume", run: func(t *testing.T, c *harness) {
		ps := c.nodes[0]
		mb := pubsub.NewMailbox(2)
		if _, err := ps.SubscribeMailbox(mb, "flood"); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			ps.LocalBroadcast("flood", i)
		}
		select {
		case <-mb.Overflow():
		default:
			t.Fatal("no overflow signal")
		}
		if !mb.Lagged() || mb.Dropped() != 3 {
			t.Fatalf("lagged %v, dropped %d; want true, 3", mb.Lagged(), mb.Dropped())
		}
		// Draining makes room, but a lagged mailbox keeps dropping.
		for i := range 2 {
			if m := <-mb.C(); m.Payload != i {
				t.Fatalf("message %d is %#v", i, m.Payload)
			}
		}
		ps.LocalBroadcast("flood", 5)
		if mb.Len() != 0 || mb.Dropped() != 4 {
			t.Fatalf("after the lag: %d queued, %d dropped; want 0, 4", mb.Len(), mb.Dropped())
		}
		if got := c.errorsIs(pubsub.ErrOverflow); len(got) != 1 {
			t.Fatalf("OnError got %d overflow reports, want 1: %v", len(got), got)
		}
		if st := ps.Stats(); st.Dropped != 4 || st.Overflows != 1 {
			t.Fatalf("stats %+v", st)
		}
		mb.Resume()
		ps.LocalBroadcast("flood", 6)
		if m := <-mb.C(); m.Payload != 6 {
			t.Fatalf("after Resume got %#v", m.Payload)
		}
	}},
	{name: "values cross nodes as the registered Go type", minNodes: 2, run: func(t *testing.T, c *harness) {
		s := subscribe(t, c.nodes[1], "typed")
		want := Event{Seq: 3, From: c.nodes[0].Node(), Tags: []string{"a", "b"}}
		for _, v := range []any{want, &want, "text", 42, map[string]any{"k": "v"}} {
			broadcast(t, c.nodes[0], "typed", v)
		}
		if m := next(t, s.Mailbox(), "value"); !equalEvent(m.Payload, want) {
			t.Fatalf("got %#v, want %#v", m.Payload, want)
		}
		if m := next(t, s.Mailbox(), "pointer"); m.Payload == nil || !equalEvent(*(m.Payload.(*Event)), want) {
			t.Fatalf("got %#v, want a *Event", m.Payload)
		}
		if m := next(t, s.Mailbox(), "string"); m.Payload != "text" {
			t.Fatalf("got %#v", m.Payload)
		}
		if m := next(t, s.Mailbox(), "int"); m.Payload != 42 {
			t.Fatalf("got %#v (%T)", m.Payload, m.Payload)
		}
		if m := next(t, s.Mailbox(), "map"); m.Payload.(map[string]any)["k"] != "v" {
			t.Fatalf("got %#v", m.Payload)
		}
	}},
	{name: "an unregistered type fails the broadcast and delivers nothing", minNodes: 2, run: func(t *testing.T, c *harness) {
		type unregistered struct{ X int }
		s := subscribe(t, c.nodes[0], "unreg")
		err := c.nodes[0].Broadcast(t.Context(), "unreg", unregistered{1})
		if !errors.Is(err, pubsub.ErrUnregistered) {
			t.Fatalf("Broadcast of an unregistered type: %v, want ErrUnregistered", err)
		}
		marker(t, c.nodes[0], "unreg", s.Mailbox())
	}},
	{name: "a type unknown to the receiver is reported and later messages still arrive", minNodes: 2, run: func(t *testing.T, c *harness) {
		type onlySender struct{ X int }
		if err := pubsub.Register[onlySender](c.nodes[0], "pubsubtest.onlySender"); err != nil {
			t.Fatal(err)
		}
		s := subscribe(t, c.nodes[1], "partial")
		broadcast(t, c.nodes[0], "partial", onlySender{1})
		marker(t, c.nodes[0], "partial", s.Mailbox())
		// The marker arrived after the unknown message, so node 1 has
		// reported it by now (other nodes may report it too).
		got := c.errorsIs(pubsub.ErrUnregistered)
		if len(got) == 0 || !strings.Contains(got[0].Error(), "pubsubtest.onlySender") {
			t.Fatalf("OnError got %v, want ErrUnregistered naming the type", got)
		}
	}},
	{name: "steady subscribers lose and duplicate nothing while others churn", run: func(t *testing.T, c *harness) {
		const n = 300
		var steady []*pubsub.Mailbox
		for _, node := range c.nodes {
			mb := pubsub.NewMailbox(n + 8)
			if _, err := node.SubscribeMailbox(mb, "churn"); err != nil {
				t.Fatal(err)
			}
			steady = append(steady, mb)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, node := range c.nodes {
			for range 2 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						s, err := node.Subscribe("churn")
						if err != nil {
							t.Error(err)
							return
						}
						s.Close()
					}
				})
			}
		}
		src := c.nodes[0]
		for i := range n {
			broadcast(t, src, "churn", Event{Seq: i})
		}
		close(stop)
		wg.Wait()
		for j, mb := range steady {
			got := make([]int, 0, n)
			for range n {
				m := next(t, mb, fmt.Sprintf("node %d", j))
				got = append(got, m.Payload.(Event).Seq)
			}
			want := make([]int, n)
			for i := range want {
				want[i] = i
			}
			if !slices.Equal(got, want) {
				t.Fatalf("node %d received %v", j, got)
			}
		}
		marker(t, src, "churn", steady...)
	}},
	{name: "concurrent publishers each keep their own order", run: func(t *testing.T, c *harness) {
		const per = 100
		var mbs []*pubsub.Mailbox
		for _, node := range c.nodes {
			mb := pubsub.NewMailbox(per*len(c.nodes)*2 + 8)
			if _, err := node.SubscribeMailbox(mb, "multi"); err != nil {
				t.Fatal(err)
			}
			mbs = append(mbs, mb)
		}
		var wg sync.WaitGroup
		for p, node := range c.nodes {
			for g := range 2 {
				from := fmt.Sprintf("%d/%d", p, g)
				wg.Go(func() {
					for i := range per {
						if err := node.Broadcast(t.Context(), "multi", Event{Seq: i, From: from}); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}
		wg.Wait()
		total := per * len(c.nodes) * 2
		for j, mb := range mbs {
			last := map[string]int{}
			for range total {
				ev := next(t, mb, fmt.Sprintf("node %d", j)).Payload.(Event)
				if prev, ok := last[ev.From]; ok && ev.Seq != prev+1 || !ok && ev.Seq != 0 {
					t.Fatalf("node %d: from %s, %d after %d", j, ev.From, ev.Seq, prev)
				}
				last[ev.From] = ev.Seq
			}
		}
	}},
}

func equalEvent(v any, want Event) bool {
	got, ok := v.(Event)
	return ok && got.Seq == want.Seq && got.From == want.From && slices.Equal(got.Tags, want.Tags)
}
