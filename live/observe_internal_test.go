package live

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/pubsub"
)

// quietView handles events and messages without allocating, so that what
// a test counts is the runtime's own.
type quietView struct{ n int }

func (v *quietView) Mount(context.Context, *Socket, url.Values) error { return nil }
func (v *quietView) Render() templ.Component                          { return templ.NopComponent }
func (v *quietView) HandleEvent(context.Context, *Socket, Event) error {
	v.n++
	return nil
}
func (v *quietView) HandleInfo(context.Context, *Socket, any) error {
	v.n++
	return nil
}

// countingObserver counts what it is told and adds nothing to the context.
type countingObserver struct{ started, ended int }

func (o *countingObserver) Start(ctx context.Context, op Op) context.Context {
	o.started++
	return ctx
}
func (o *countingObserver) End(ctx context.Context, op Op) { o.ended++ }

// newQuietChannel returns a joined view's channel, without a connection:
// enough to run the view's callbacks the way the channel's goroutine does.
func newQuietChannel(t *testing.T, o Observer) (*viewChannel, *quietView) {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	srv := NewServer(Options{Secret: []byte(strings.Repeat("s", 32)), PubSub: ps, Observer: o})
	v := &quietView{}
	vc := &viewChannel{srv: srv, view: v, rt: &route{pattern: "/quiet"}}
	vc.s = &Socket{srv: srv, id: "quiet", connected: true}
	return vc, v
}

// TestObservingAllocatesNothingOnTheEventPath holds the promise of
// Options.Observer: without one, handling an event or a message costs
// no allocation for it; with one, the runtime adds none either, so what
// an observer costs is what it does itself.
func TestObservingAllocatesNothingOnTheEventPath(t *testing.T) {
	ctx := context.Background()
	ev := Event{Type: EventClick, Name: "inc"}
	msg := pubsub.Message{Topic: "t", Payload: &struct{}{}}
	for _, tc := range []struct {
		name string
		o    *countingObserver
	}{
		{"Without an observer.", nil},
		{"With an observer that adds nothing.", &countingObserver{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o Observer
			if tc.o != nil {
				o = tc.o
			}
			vc, v := newQuietChannel(t, o)
			event := testing.AllocsPerRun(1000, func() {
				if _, err := vc.handleEvent(ctx, v, ev, "", true); err != nil {
					t.Fatal(err)
				}
			})
			info := testing.AllocsPerRun(1000, func() {
				if err := vc.HandleInfo(ctx, msg); err != nil {
					t.Fatal(err)
				}
			})
			if event != 0 || info != 0 {
				t.Errorf("allocations per event %v, per message %v; want 0", event, info)
			}
			if v.n == 0 {
				t.Error("the view handled nothing")
			}
			if tc.o != nil && (tc.o.started == 0 || tc.o.started != tc.o.ended) {
				t.Errorf("the observer was told of %d starts and %d ends", tc.o.started, tc.o.ended)
			}
		})
	}
}

// TestRecordingRouteLatenciesAllocatesNothing holds the promise of
// Server.RouteStats: counting an event's or a mount's latency in its
// route costs atomic additions and no allocation.
func TestRecordingRouteLatenciesAllocatesNothing(t *testing.T) {
	vc, _ := newQuietChannel(t, nil)
	vc.waiting = append(vc.waiting, waiting{ref: "1", start: time.Now()})
	allocs := testing.AllocsPerRun(1000, func() {
		vc.repliedAt(time.Now())
		vc.rt.stats.mounts.record(time.Millisecond)
	})
	if allocs != 0 {
		t.Errorf("allocations per recording %v; want 0", allocs)
	}
	if n := vc.rt.stats.events.load().Count(); n == 0 {
		t.Error("nothing was recorded")
	}
}

// BenchmarkRouteLatencyRecord measures what counting an event's latency in
// its route adds to the event, with every goroutine on one route, the
// case where the counters' cache lines move most between cores.
func BenchmarkRouteLatencyRecord(b *testing.B) {
	var rs routeStats
	b.RunParallel(func(pb *testing.PB) {
		d := time.Duration(0)
		for pb.Next() {
			d = (d + 7*time.Microsecond) % (2 * time.Millisecond)
			rs.events.record(d)
		}
	})
}
