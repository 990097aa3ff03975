package presence

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/templive/templive/pubsub"
)

type benchMeta struct {
	OnlineAt int64 `json:"online_at"`
	Typing   bool  `json:"typing"`
}

func benchTracker(b *testing.B) *Tracker[benchMeta] {
	b.Helper()
	ps, err := pubsub.New(pubsub.Options{Node: "bench", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	tr, err := New(ps, Options[benchMeta]{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		tr.Close()
		ps.Close()
	})
	return tr
}

// BenchmarkTrackUntrack is one tab joining and leaving a room that already
// holds 10,000 presences, with a subscriber on the topic.
func BenchmarkTrackUntrack(b *testing.B) {
	tr := benchTracker(b)
	fill(b, tr, "room:1", 10_000)
	sub, err := tr.ps.SubscribeMailbox(pubsub.NewMailbox(1), "room:1")
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	owner := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Track(owner, "room:1", "u", benchMeta{}); err != nil {
			b.Fatal(err)
		}
		tr.Untrack(owner, "room:1", "u")
	}
}

// BenchmarkUpdate is one meta update (a leave and a join) on a topic of
// 10,000 presences.
func BenchmarkUpdate(b *testing.B) {
	tr := benchTracker(b)
	fill(b, tr, "room:1", 10_000)
	owner := context.Background()
	if _, err := tr.Track(owner, "room:1", "u", benchMeta{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.UpdateFunc(owner, "room:1", "u", func(m benchMeta) benchMeta {
			m.Typing = !m.Typing
			return m
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList lists a topic of 10,000 presences.
func BenchmarkList(b *testing.B) {
	tr := benchTracker(b)
	fill(b, tr, "room:1", 10_000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := tr.List(ctx, "room:1")
		if err != nil || len(p) != 10_000 {
			b.Fatal(len(p), err)
		}
	}
}

// fill tracks n presences on topic, each by its own owner, and waits until
// their diffs are delivered.
func fill(b *testing.B, tr *Tracker[benchMeta], topic string, n int) []context.CancelFunc {
	b.Helper()
	cancels := make([]context.CancelFunc, n)
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		if _, err := tr.Track(ctx, topic, "user:"+strconv.Itoa(i), benchMeta{OnlineAt: int64(i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() {
		for _, c := range cancels {
			c()
		}
	})
	return cancels
}

// BenchmarkMemoryPerPresence reports the heap the Tracker uses per presence
// (B/presence), beyond its meta, with 100,000 presences on 100 topics. In
// "1-per-owner" every presence has its own owner context (a tab in one
// room), so the figure includes watching that owner with
// context.AfterFunc; in "10-per-owner" each owner tracks presences on 10
// topics, which spreads that cost. The owners' contexts and the keys'
// strings are the caller's and are not counted.
func BenchmarkMemoryPerPresence(b *testing.B) {
	const n = 100_000
	meta := int(sizeOf[benchMeta]())
	for _, perOwner := range []int{1, 10} {
		b.Run(fmt.Sprintf("%d-per-owner", perOwner), func(b *testing.B) {
			for b.Loop() {
				tr := benchTracker(b)
				owners := make([]context.Context, n/perOwner)
				cancels := make([]context.CancelFunc, n/perOwner)
				for i := range owners {
					owners[i], cancels[i] = context.WithCancel(context.Background())
				}
				keys := make([]string, n)
				for i := range keys {
					keys[i] = "user:" + strconv.Itoa(i)
				}
				topics := make([]string, 100)
				for i := range topics {
					topics[i] = fmt.Sprintf("room:%d", i)
				}
				before := heap()
				for i := range n {
					// Owner i/perOwner tracks its user on perOwner topics.
					o := i / perOwner
					if _, err := tr.Track(owners[o], topics[(o+i%perOwner)%100], keys[o], benchMeta{}); err != nil {
						b.Fatal(err)
					}
				}
				tr.drain()
				// The delta awaiting the next heartbeat is transient: send it.
				tr.mu.Lock()
				tr.state.takeDelta()
				tr.mu.Unlock()
				after := heap()
				b.ReportMetric(float64(after-before)/n-float64(meta), "B/presence")
				runtime.KeepAlive(keys)
				tr.Close()
				for _, c := range cancels {
					c()
				}
			}
		})
	}
}

// BenchmarkMemoryPerEntry reports the heap the replicated state alone uses
// per entry (B/entry), beyond its meta: the entry, its ref, and its place
// in the value and topic indexes, with no owner. Remote entries cost this.
func BenchmarkMemoryPerEntry(b *testing.B) {
	const n = 100_000
	meta := int(sizeOf[benchMeta]())
	keys := make([]string, n)
	refs := make([]string, n)
	for i := range n {
		keys[i] = "user:" + strconv.Itoa(i)
		refs[i] = fmt.Sprintf("%016d", i) // a ref's 16 bytes are counted
	}
	topics := make([]string, 100)
	for i := range topics {
		topics[i] = fmt.Sprintf("room:%d", i)
	}
	for b.Loop() {
		before := heap()
		s := newState[benchMeta]("a", false)
		for i := range n {
			s.add(topics[i%100], keys[i], strings.Clone(refs[i]), "", benchMeta{})
		}
		after := heap()
		b.ReportMetric(float64(after-before)/n-float64(meta), "B/entry")
		runtime.KeepAlive(s)
	}
}

func sizeOf[T any]() uintptr {
	var v T
	return unsafe.Sizeof(v)
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// drain waits until every queued diff has been taken for delivery, so that
// the memory they hold is not counted.
func (t *Tracker[M]) drain() {
	for {
		t.out.mu.Lock()
		n := len(t.out.queue)
		t.out.mu.Unlock()
		if n == 0 {
			return
		}
		runtime.Gosched()
	}
}

// BenchmarkMerge100k merges the full state of a peer with 100,000
// presences into a state that holds 100,000 of its own (distinct users on
// 100 topics): what a node does when such a peer joins it. The remote state
// is one received from the network, whose entries the merge may keep.
func BenchmarkMerge100k(b *testing.B) {
	const n = 100_000
	build := func(replica string) *state[benchMeta] {
		s := newState[benchMeta](replica, false)
		for i := range n {
			s.add(fmt.Sprintf("room:%d", i%100), replica+":user:"+strconv.Itoa(i), replica+strconv.Itoa(i), "", benchMeta{})
		}
		return s
	}
	local := build("a")
	remote := build("b").extract()
	remote.borrowed = false // as if decoded: its source is gone
	b.ReportAllocs()
	for b.Loop() {
		if joins, _ := local.merge(remote); len(joins) != n {
			b.Fatal(len(joins))
		}
		b.StopTimer()
		local.dropReplica("b")
		b.StartTimer()
	}
}

// BenchmarkHeartbeatBytes reports the size of the frames a replica
// publishes, as they go to the adapter: the envelope and the JSON of the
// message. "idle" is the heartbeat sent when nothing changed; "one-join"
// carries the delta of one track; "one-update" the delta of one update.
func BenchmarkHeartbeatBytes(b *testing.B) {
	cases := []struct {
		name   string
		change func(s *state[benchMeta])
	}{
		{"idle", func(s *state[benchMeta]) {}},
		{"one-join", func(s *state[benchMeta]) {
			s.add("room:lobby", "user:123456", "GJ7v0Zbq1NoAAQAC", "", benchMeta{OnlineAt: 1764200000})
		}},
		{"one-update", func(s *state[benchMeta]) {
			e := s.add("room:lobby", "user:123456", "GJ7v0Zbq1NoAAQAC", "", benchMeta{OnlineAt: 1764200000})
			s.takeDelta()
			s.remove(e)
			s.add("room:lobby", "user:123456", "GJ7v0Zbq1NoAAQAD", e.ref, benchMeta{OnlineAt: 1764200000, Typing: true})
		}},
	}
	const replica = "node-1#GJ7V0ZBQ1N"
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := newState[benchMeta](replica, true)
			for i := range 10_000 {
				s.add("room:lobby", "user:"+strconv.Itoa(i), "ref"+strconv.Itoa(i), "", benchMeta{})
			}
			s.takeDelta()
			c.change(s)
			m := message[benchMeta]{Kind: kindHeartbeat, From: replica, Clock: s.clock}
			if d := s.takeDelta(); d != nil {
				m.State = encodeState(d, replica)
			}
			var frame []byte
			for b.Loop() {
				data, err := json.Marshal(m)
				if err != nil {
					b.Fatal(err)
				}
				env := pubsub.Envelope{Node: "node-1", Topic: "templive.presence:presence", Type: "presence.presence", Data: data}
				frame, err = env.AppendBinary(frame[:0])
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(frame)), "bytes/frame")
		})
	}
}
