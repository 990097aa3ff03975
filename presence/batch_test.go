package presence_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// metasOf returns key → sorted "ref:typing" of every meta in p.
func metasOf(p presence.Presences[roomMeta]) map[string][]string {
	out := map[string][]string{}
	for key, pr := range p {
		for _, m := range pr.Metas {
			out[key] = append(out[key], fmt.Sprintf("%s:%v", m.Ref, m.Value.Typing))
		}
		slices.Sort(out[key])
	}
	return out
}

// addDelivered adds to b every diff sub has received so far.
func addDelivered(t *testing.T, sub *pubsub.Subscription, b *presence.Batch[roomMeta]) {
	t.Helper()
	for {
		select {
		case msg := <-sub.C():
			b.Add(msg.Payload.(presence.Diff[roomMeta]))
		default:
			return
		}
	}
}

// take takes what b holds, failing if it must wait.
func take(t *testing.T, b *presence.Batch[roomMeta], now time.Time) (presence.Diff[roomMeta], bool) {
	t.Helper()
	d, wait, ok := b.Take(now)
	if wait != 0 {
		t.Fatalf("Take waits %s with no interval", wait)
	}
	return d, ok
}

func TestBatchGivesWhatEveryDiffWouldGive(t *testing.T) {
	t.Parallel()
	const topic = "room:batch"
	for seed := range uint64(20) {
		t.Run(fmt.Sprintf("Random changes, seed %d, end where the tracker is.", seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, seed))
			tr, ps := newTracker(t, presence.Options[roomMeta]{})
			sub := subscribe(t, ps, topic)
			type tab struct {
				ctx    context.Context
				cancel context.CancelFunc
				key    string
			}
			var tabs []*tab
			step := func() {
				switch n := rng.IntN(10); {
				case n < 4 || len(tabs) == 0:
					ctx, cancel := context.WithCancel(t.Context())
					tb := &tab{ctx, cancel, fmt.Sprintf("user%d", rng.IntN(4))}
					mustTrack(t, tr, ctx, topic, tb.key, roomMeta{})
					tabs = append(tabs, tb)
				case n < 7:
					tb := tabs[rng.IntN(len(tabs))]
					if _, err := tr.Update(tb.ctx, topic, tb.key, roomMeta{Typing: rng.IntN(2) == 0}); err != nil {
						t.Fatal(err)
					}
				default:
					i := rng.IntN(len(tabs))
					tr.UntrackAll(tabs[i].ctx) // at once, unlike cancel
					tabs[i].cancel()
					tabs = slices.Delete(tabs, i, i+1)
				}
			}
			// Changes before the list, some of whose diffs arrive after it.
			for range rng.IntN(20) {
				step()
			}
			held, b, err := tr.ListBatch(t.Context(), topic, 0)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			for range 200 {
				step()
				if rng.IntN(5) == 0 {
					addDelivered(t, sub, b)
					if d, ok := take(t, b, now); ok {
						held.Sync(d)
					}
				}
			}
			// A last change: once its diff arrives, all the others have.
			marker, cancel := context.WithCancel(t.Context())
			defer cancel()
			ref := mustTrack(t, tr, marker, topic, "marker", roomMeta{})
			for arrived := false; !arrived; {
				d := nextDiff(t, sub)
				b.Add(d)
				arrived = slices.ContainsFunc(d.Joins["marker"].Metas, func(m presence.Meta[roomMeta]) bool { return m.Ref == ref })
			}
			if d, ok := take(t, b, now); ok {
				held.Sync(d)
			}
			want, err := tr.List(t.Context(), topic)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := metasOf(held), metasOf(want); !maps.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("the list kept with the batch's diffs is\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestBatchSkipsWhatItsListHolds(t *testing.T) {
	t.Parallel()
	const topic = "room:dup"
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub := subscribe(t, ps, topic)
	alice, leave := context.WithCancel(t.Context())
	ref := mustTrack(t, tr, alice, topic, "alice", roomMeta{})
	// The list holds alice; her join's diff may still be on its way.
	held, b, err := tr.ListBatch(t.Context(), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(held["alice"].Metas) != 1 {
		t.Fatalf("list %v", held)
	}
	leave()
	b.Add(nextDiff(t, sub)) // the join, which the list holds
	b.Add(nextDiff(t, sub)) // the leave
	d, ok := take(t, b, time.Now())
	if !ok || len(d.Leaves["alice"].Metas) != 1 || d.Leaves["alice"].Metas[0].Ref != ref || len(d.Joins) != 0 {
		t.Fatalf("took %v (%v), want alice's leave alone", summary(d), ok)
	}
	held.Sync(d)
	if len(held) != 0 {
		t.Fatalf("alice is still listed after she left: %v", held)
	}
}

func TestBatchMerges(t *testing.T) {
	t.Parallel()
	const topic = "room:merge"
	tests := []struct {
		name     string
		adaFirst bool // ada is listed before the batch starts
		do       func(t *testing.T, tr *presence.Tracker[roomMeta], ctx context.Context)
		want     string // summary of the merged diff; "" for none
	}{
		{
			name: "A join then a leave of a meta the subscriber never saw cancel out.",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], ctx context.Context) {
				mustTrack(t, tr, ctx, topic, "mallory", roomMeta{})
				tr.UntrackAll(ctx)
			},
			want: "",
		},
		{
			name:     "Updates in a burst are one leave of the first meta and one join of the last.",
			adaFirst: true,
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], ctx context.Context) {
				for i := range 10 {
					if _, err := tr.Update(ctx, topic, "ada", roomMeta{Typing: i%2 == 0}); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: "[+ada:false -ada:false]",
		},
		{
			name:     "A leave of a meta the subscriber holds stays.",
			adaFirst: true,
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], ctx context.Context) {
				tr.UntrackAll(ctx)
			},
			want: "[-ada:false]",
		},
		{
			name: "A join of a meta the subscriber never saw is a join of its last value.",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], _ context.Context) {
				bob := t.Context()
				mustTrack(t, tr, bob, topic, "bob", roomMeta{})
				if _, err := tr.Update(bob, topic, "bob", roomMeta{Typing: true}); err != nil {
					t.Fatal(err)
				}
			},
			want: "[+bob:true]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, ps := newTracker(t, presence.Options[roomMeta]{})
			sub := subscribe(t, ps, topic)
			ctx := t.Context()
			if tt.adaFirst {
				mustTrack(t, tr, ctx, topic, "ada", roomMeta{})
				nextDiff(t, sub)
			}
			held, b, err := tr.ListBatch(t.Context(), topic, 0)
			if err != nil {
				t.Fatal(err)
			}
			tt.do(t, tr, ctx)
			// A marker's diff comes after all the others.
			marker, cancel := context.WithCancel(t.Context())
			defer cancel()
			mustTrack(t, tr, marker, topic, "zz-marker", roomMeta{})
			for d := nextDiff(t, sub); ; d = nextDiff(t, sub) {
				if _, ok := d.Joins["zz-marker"]; ok {
					break
				}
				b.Add(d)
			}
			d, _ := take(t, b, time.Now())
			got := ""
			if !d.IsEmpty() {
				got = summary(d)
			}
			if got != tt.want {
				t.Fatalf("merged %q, want %q", got, tt.want)
			}
			held.Sync(d)
			want, _ := tr.List(t.Context(), topic)
			delete(want, "zz-marker")
			if g, w := metasOf(held), metasOf(want); !maps.EqualFunc(g, w, slices.Equal) {
				t.Fatalf("list %v, want %v", g, w)
			}
		})
	}
}

func TestBatchTakesAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	const topic = "room:every"
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub := subscribe(t, ps, topic)
	_, b, err := tr.ListBatch(t.Context(), topic, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if _, wait, ok := b.Take(t0); ok || wait != 0 {
		t.Fatalf("an empty batch gave ok %v, wait %s", ok, wait)
	}
	mustTrack(t, tr, t.Context(), topic, "ada", roomMeta{})
	b.Add(nextDiff(t, sub))
	if _, _, ok := b.Take(t0); !ok {
		t.Fatal("the first change after a quiet while is not taken at once")
	}
	mustTrack(t, tr, t.Context(), topic, "bob", roomMeta{})
	b.Add(nextDiff(t, sub))
	if _, wait, ok := b.Take(t0.Add(40 * time.Millisecond)); ok || wait != 60*time.Millisecond {
		t.Fatalf("40 ms after a take: ok %v, wait %s; want a wait of 60ms", ok, wait)
	}
	if d, _, ok := b.Take(t0.Add(100 * time.Millisecond)); !ok || summary(d) != "[+bob:false]" {
		t.Fatalf("after the interval: %v %s", ok, summary(d))
	}
}

// Two updates of one meta within a batch: the merged join replaces the
// meta the subscriber held, so its phx_ref_prev must name that one, not
// the ref in between that the subscriber never saw (the phoenix client
// keys an update by it).
func TestBatchedUpdatesNameAsPrevRefTheMetaTheSubscriberHeld(t *testing.T) {
	t.Parallel()
	const topic = "room:prev"
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub := subscribe(t, ps, topic)
	r1 := mustTrack(t, tr, t.Context(), topic, "u", roomMeta{})
	_, b, err := tr.ListBatch(t.Context(), topic, 0)
	if err != nil {
		t.Fatal(err)
	}
	tr.Update(t.Context(), topic, "u", roomMeta{Typing: true})
	r3, err := tr.Update(t.Context(), topic, "u", roomMeta{Typing: false})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b.Add(nextDiff(t, sub))
	}
	d, ok := take(t, b, time.Now())
	j, l := d.Joins["u"].Metas, d.Leaves["u"].Metas
	if !ok || len(j) != 1 || len(l) != 1 || j[0].Ref != r3 || l[0].Ref != r1 {
		t.Fatalf("took %v (%v), want u's leave of %s and join of %s", summary(d), ok, r1, r3)
	}
	if j[0].PrevRef != r1 {
		t.Fatalf("the join's phx_ref_prev is %s; the subscriber held %s", j[0].PrevRef, r1)
	}
}
