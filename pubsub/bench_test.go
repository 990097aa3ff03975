package pubsub_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// BenchmarkBroadcast measures local delivery: one broadcast to n subscribers
// of one topic, each with its own mailbox. Mailboxes are drained, with the
// timer stopped, before they fill, so every delivery is a real enqueue.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{1, 100, 10_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			ps, _ := pubsub.New(pubsub.Options{Logger: discard})
			defer ps.Close()
			const capacity = 64
			mbs := make([]*pubsub.Mailbox, n)
			for i := range mbs {
				mbs[i] = pubsub.NewMailbox(capacity)
				mbs[i].C() // read with C below: its channel from the start
				ps.SubscribeMailbox(mbs[i], "posts")
			}
			msg := any(PostCreated{ID: 1})
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ps.Broadcast(ctx, "posts", msg)
				if i++; i == capacity {
					i = 0
					b.StopTimer()
					for _, mb := range mbs {
						for range mb.Len() {
							<-mb.C()
						}
					}
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
			if d := ps.Stats().Dropped; d != 0 {
				b.Fatalf("%d deliveries dropped", d)
			}
		})
	}
}

// BenchmarkOneToOne measures throughput from one publishing goroutine to one
// subscriber reading on another goroutine. The publisher yields while the
// mailbox is full, so nothing is dropped: this is the rate at which messages
// flow, not the rate at which they can be discarded.
func BenchmarkOneToOne(b *testing.B) {
	ps, _ := pubsub.New(pubsub.Options{Logger: discard})
	defer ps.Close()
	sub, _ := ps.Subscribe("pipe")
	mb := sub.Mailbox()
	done := make(chan struct{})
	b.ReportAllocs()
	start := time.Now()
	go func() {
		defer close(done)
		for range b.N {
			<-mb.C()
		}
	}()
	msg := any(PostCreated{ID: 1})
	for range b.N {
		for mb.Len() == mb.Cap() {
			runtime.Gosched()
		}
		ps.LocalBroadcast("pipe", msg)
	}
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if d := ps.Stats().Dropped; d != 0 {
		b.Fatalf("%d deliveries dropped", d)
	}
}

// BenchmarkChurn measures one Subscribe plus Close on a topic that already
// has 1,000 subscribers, in parallel with itself.
func BenchmarkChurn(b *testing.B) {
	ps, _ := pubsub.New(pubsub.Options{Logger: discard})
	defer ps.Close()
	mb := pubsub.NewMailbox(1)
	for range 1000 {
		ps.SubscribeMailbox(mb, "busy")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		own := pubsub.NewMailbox(1)
		for pb.Next() {
			s, _ := ps.SubscribeMailbox(own, "busy")
			s.Close()
		}
	})
}

// BenchmarkChurnOwnTopic measures Subscribe plus Close where each is the only
// subscriber of its topic, so the topic is created and dropped every time,
// as with the per-view "lv:<id>" topics.
func BenchmarkChurnOwnTopic(b *testing.B) {
	ps, _ := pubsub.New(pubsub.Options{Logger: discard})
	defer ps.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		own := pubsub.NewMailbox(1)
		for pb.Next() {
			s, _ := ps.SubscribeMailbox(own, "lv:own")
			s.Close()
		}
	})
}

// BenchmarkBroadcastCluster measures a broadcast that also crosses to
// another node of a memory cluster: JSON encoding, the envelope, and the
// remote decode and delivery.
func BenchmarkBroadcastCluster(b *testing.B) {
	cluster := pubsub.NewMemoryCluster()
	a, _ := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a"), Logger: discard})
	c, _ := pubsub.New(pubsub.Options{Node: "c", Adapter: cluster.Adapter("c"), Logger: discard})
	defer a.Close()
	defer c.Close()
	for _, ps := range []*pubsub.PubSub{a, c} {
		pubsub.Register[PostCreated](ps, "blog.PostCreated")
	}
	sub, _ := c.Subscribe("posts")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a.Broadcast(ctx, "posts", PostCreated{ID: 1, Title: "hello"})
		<-sub.C()
	}
}
