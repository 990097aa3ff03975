package presence_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type roomMeta struct {
	Name   string `json:"name,omitempty"`
	Typing bool   `json:"typing"`
}

// newTracker returns a tracker on a fresh single-node PubSub; both are
// closed when the test ends.
func newTracker(t *testing.T, opts presence.Options[roomMeta]) (*presence.Tracker[roomMeta], *pubsub.PubSub) {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := presence.New(ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.Close()
		ps.Close()
	})
	return tr, ps
}

func subscribe(t *testing.T, ps *pubsub.PubSub, topic string) *pubsub.Subscription {
	t.Helper()
	sub, err := ps.Subscribe(topic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// nextDiff returns the next message of sub, which must be a diff.
func nextDiff(t *testing.T, sub *pubsub.Subscription) presence.Diff[roomMeta] {
	t.Helper()
	select {
	case msg := <-sub.C():
		d, ok := msg.Payload.(presence.Diff[roomMeta])
		if !ok {
			t.Fatalf("got %T on %s, want a presence.Diff[roomMeta]", msg.Payload, msg.Topic)
		}
		if d.Topic != msg.Topic {
			t.Fatalf("diff for %q delivered on %q", d.Topic, msg.Topic)
		}
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no diff within 5s")
		return presence.Diff[roomMeta]{}
	}
}

// summary prints a diff as "+key:typing … -key:typing …", keys sorted.
func summary(d presence.Diff[roomMeta]) string {
	var out []string
	for _, key := range d.Joins.Keys() {
		for _, m := range d.Joins[key].Metas {
			out = append(out, fmt.Sprintf("+%s:%v", key, m.Value.Typing))
		}
	}
	for _, key := range d.Leaves.Keys() {
		for _, m := range d.Leaves[key].Metas {
			out = append(out, fmt.Sprintf("-%s:%v", key, m.Value.Typing))
		}
	}
	return fmt.Sprint(out)
}

func TestTrackerDiffs(t *testing.T) {
	t.Parallel()
	const topic = "room:1"
	tests := []struct {
		name  string
		do    func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context)
		diffs []string
		list  map[string]int // key → number of metas
	}{
		{
			name: "a track is a join",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context) {
				mustTrack(t, tr, alice, topic, "alice", roomMeta{})
			},
			diffs: []string{"[+alice:false]"},
			list:  map[string]int{"alice": 1},
		},
		{
			name: "an update is a leave of the old meta and a join of the new one",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context) {
				mustTrack(t, tr, alice, topic, "alice", roomMeta{})
				if _, err := tr.UpdateFunc(alice, topic, "alice", func(m roomMeta) roomMeta {
					m.Typing = true
					return m
				}); err != nil {
					t.Fatal(err)
				}
			},
			diffs: []string{"[+alice:false]", "[+alice:true -alice:false]"},
			list:  map[string]int{"alice": 1},
		},
		{
			name: "an untrack is a leave",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context) {
				mustTrack(t, tr, alice, topic, "alice", roomMeta{})
				mustTrack(t, tr, bob, topic, "bob", roomMeta{})
				if !tr.Untrack(alice, topic, "alice") {
					t.Fatal("Untrack returned false for a tracked entry")
				}
			},
			diffs: []string{"[+alice:false]", "[+bob:false]", "[-alice:false]"},
			list:  map[string]int{"bob": 1},
		},
		{
			name: "one key tracked by two owners has two metas",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context) {
				mustTrack(t, tr, alice, topic, "alice", roomMeta{})
				mustTrack(t, tr, bob, topic, "alice", roomMeta{Typing: true})
			},
			diffs: []string{"[+alice:false]", "[+alice:true]"},
			list:  map[string]int{"alice": 2},
		},
		{
			name: "untracking what is not tracked delivers nothing",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta], alice, bob context.Context) {
				if tr.Untrack(alice, topic, "alice") || tr.UntrackAll(bob) != 0 {
					t.Fatal("untracking nothing reported something untracked")
				}
				mustTrack(t, tr, alice, topic, "alice", roomMeta{})
			},
			diffs: []string{"[+alice:false]"},
			list:  map[string]int{"alice": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, ps := newTracker(t, presence.Options[roomMeta]{})
			sub := subscribe(t, ps, topic)
			tt.do(t, tr, t.Context(), context.WithoutCancel(t.Context()))
			for _, want := range tt.diffs {
				if got := summary(nextDiff(t, sub)); got != want {
					t.Errorf("diff %s, want %s", got, want)
				}
			}
			list, err := tr.List(t.Context(), topic)
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string]int)
			for key, p := range list {
				got[key] = len(p.Metas)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.list) {
				t.Errorf("List = %v, want %v", got, tt.list)
			}
		})
	}
}

func mustTrack(t *testing.T, tr *presence.Tracker[roomMeta], owner context.Context, topic, key string, meta roomMeta) string {
	t.Helper()
	ref, err := tr.Track(owner, topic, key, meta)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestTrackerUpdateRefs(t *testing.T) {
	t.Parallel()
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub := subscribe(t, ps, "room:1")
	ref := mustTrack(t, tr, t.Context(), "room:1", "alice", roomMeta{})
	newRef, err := tr.Update(t.Context(), "room:1", "alice", roomMeta{Typing: true})
	if err != nil {
		t.Fatal(err)
	}
	if newRef == ref {
		t.Fatal("Update kept the ref")
	}
	nextDiff(t, sub)
	d := nextDiff(t, sub)
	joined, left := d.Joins["alice"].Metas[0], d.Leaves["alice"].Metas[0]
	if joined.Ref != newRef || joined.PrevRef != ref || left.Ref != ref {
		t.Fatalf("update diff joined %+v and left %+v; want ref %s with prev %s, leaving %s", joined, left, newRef, ref, ref)
	}
	p, err := tr.Get(t.Context(), "room:1", "alice")
	if err != nil || len(p.Metas) != 1 || p.Metas[0].Ref != newRef || !p.Metas[0].Value.Typing {
		t.Fatalf("Get = %+v, %v; want the updated meta", p, err)
	}
}

func TestTrackerOwnerDone(t *testing.T) {
	t.Parallel()
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub1 := subscribe(t, ps, "room:1")
	sub2 := subscribe(t, ps, "room:2")
	tab, closeTab := context.WithCancel(t.Context())
	mustTrack(t, tr, tab, "room:1", "alice", roomMeta{})
	mustTrack(t, tr, tab, "room:2", "alice", roomMeta{})
	nextDiff(t, sub1)
	nextDiff(t, sub2)

	closeTab()
	if got := summary(nextDiff(t, sub1)); got != "[-alice:false]" {
		t.Errorf("room:1 got %s after the owner ended, want alice's leave", got)
	}
	if got := summary(nextDiff(t, sub2)); got != "[-alice:false]" {
		t.Errorf("room:2 got %s after the owner ended, want alice's leave", got)
	}
	for _, topic := range []string{"room:1", "room:2"} {
		if list, err := tr.List(t.Context(), topic); err != nil || len(list) != 0 {
			t.Errorf("List(%s) = %v, %v after the owner ended; want it empty", topic, list, err)
		}
	}
}

func TestTrackerUntrackAll(t *testing.T) {
	t.Parallel()
	tr, _ := newTracker(t, presence.Options[roomMeta]{})
	owner := t.Context()
	for _, topic := range []string{"a", "b", "c"} {
		mustTrack(t, tr, owner, topic, "alice", roomMeta{})
	}
	if n := tr.UntrackAll(owner); n != 3 {
		t.Fatalf("UntrackAll = %d, want 3", n)
	}
	if n := tr.UntrackAll(owner); n != 0 {
		t.Fatalf("UntrackAll twice = %d, want 0", n)
	}
	// The owner is forgotten: tracking again works and is watched anew.
	mustTrack(t, tr, owner, "a", "alice", roomMeta{})
}

func TestTrackerErrors(t *testing.T) {
	t.Parallel()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		do   func(t *testing.T, tr *presence.Tracker[roomMeta]) error
		want error
	}{
		{
			name: "tracking a key twice for one owner fails",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta]) error {
				mustTrack(t, tr, t.Context(), "room:1", "alice", roomMeta{})
				_, err := tr.Track(t.Context(), "room:1", "alice", roomMeta{})
				return err
			},
			want: presence.ErrAlreadyTracked,
		},
		{
			name: "updating what the owner does not track fails",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta]) error {
				mustTrack(t, tr, context.WithoutCancel(t.Context()), "room:1", "alice", roomMeta{})
				_, err := tr.Update(t.Context(), "room:1", "alice", roomMeta{})
				return err
			},
			want: presence.ErrNotTracked,
		},
		{
			name: "tracking for an owner that has ended fails with its error",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta]) error {
				_, err := tr.Track(done, "room:1", "alice", roomMeta{})
				return err
			},
			want: context.Canceled,
		},
		{
			name: "tracking after Close fails",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta]) error {
				tr.Close()
				_, err := tr.Track(t.Context(), "room:1", "alice", roomMeta{})
				return err
			},
			want: presence.ErrClosed,
		},
		{
			name: "listing after Close fails",
			do: func(t *testing.T, tr *presence.Tracker[roomMeta]) error {
				tr.Close()
				_, err := tr.List(t.Context(), "room:1")
				return err
			},
			want: presence.ErrClosed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, _ := newTracker(t, presence.Options[roomMeta]{})
			if err := tt.do(t, tr); !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTrackerFetch(t *testing.T) {
	t.Parallel()
	names := map[string]string{"alice": "Alice", "bob": "Bob"}
	var calls atomic.Int32
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	tr, ps := newTracker(t, presence.Options[roomMeta]{
		Fetch: func(ctx context.Context, topic string, p presence.Presences[roomMeta]) error {
			entered <- struct{}{}
			<-release
			calls.Add(1)
			for key, pr := range p {
				for i := range pr.Metas {
					pr.Metas[i].Value.Name = names[key]
				}
			}
			return nil
		},
	})
	sub := subscribe(t, ps, "room:1")
	mustTrack(t, tr, t.Context(), "room:1", "alice", roomMeta{})
	<-entered
	// Fetch is blocked on the first diff, and tracking does not wait for
	// it; the next two changes queue up and are fetched together.
	if _, err := tr.Update(t.Context(), "room:1", "alice", roomMeta{Typing: true}); err != nil {
		t.Fatal(err)
	}
	mustTrack(t, tr, t.Context(), "room:1", "bob", roomMeta{})
	close(release)

	if d := nextDiff(t, sub); d.Joins["alice"].Metas[0].Value.Name != "Alice" {
		t.Errorf("first diff %+v, want alice named by Fetch", d)
	}
	d := nextDiff(t, sub)
	if j, l := d.Joins["alice"].Metas[0].Value, d.Leaves["alice"].Metas[0].Value; j.Name != "Alice" || l.Name != "Alice" || !j.Typing || l.Typing {
		t.Errorf("update diff has join %+v and leave %+v, want both named by Fetch", j, l)
	}
	if d := nextDiff(t, sub); d.Joins["bob"].Metas[0].Value.Name != "Bob" {
		t.Errorf("third diff %+v, want bob named by Fetch", d)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("Fetch ran %d times, want 2: once for the first diff, once for the two queued behind it", n)
	}
	list, err := tr.List(t.Context(), "room:1")
	if err != nil || list["alice"].Metas[0].Value.Name != "Alice" {
		t.Fatalf("List = %+v, %v; want alice named by Fetch", list, err)
	}
}

func TestTrackerFetchErrors(t *testing.T) {
	t.Parallel()
	errDB := errors.New("database down")
	tr, ps := newTracker(t, presence.Options[roomMeta]{
		Fetch:  func(context.Context, string, presence.Presences[roomMeta]) error { return errDB },
		Logger: discard(),
	})
	sub := subscribe(t, ps, "room:1")
	mustTrack(t, tr, t.Context(), "room:1", "alice", roomMeta{})
	if got := summary(nextDiff(t, sub)); got != "[+alice:false]" {
		t.Errorf("diff %s, want the join delivered despite Fetch failing", got)
	}
	if _, err := tr.List(t.Context(), "room:1"); !errors.Is(err, errDB) {
		t.Errorf("List error %v, want Fetch's", err)
	}
	if _, err := tr.Get(t.Context(), "room:1", "alice"); !errors.Is(err, errDB) {
		t.Errorf("Get error %v, want Fetch's", err)
	}
	if p, err := tr.Get(t.Context(), "room:1", "nobody"); err != nil || len(p.Metas) != 0 {
		t.Errorf("Get of an absent key = %+v, %v; want no metas and no Fetch", p, err)
	}
}

// TestTrackerConcurrent checks, under the race detector, that a subscriber
// that syncs every diff into the first List ends with exactly List's result.
func TestTrackerConcurrent(t *testing.T) {
	t.Parallel()
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub, err := ps.SubscribeMailbox(pubsub.NewMailbox(1<<14), "room:1")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	mirror := presence.Presences[roomMeta]{}

	var wg sync.WaitGroup
	var changes atomic.Int64
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				owner, end := context.WithCancel(t.Context())
				key := fmt.Sprintf("u%d", (w*50+i)%20)
				if _, err := tr.Track(owner, "room:1", key, roomMeta{}); err != nil {
					t.Error(err)
				}
				changes.Add(1)
				if i%2 == 0 {
					if _, err := tr.Update(owner, "room:1", key, roomMeta{Typing: true}); err != nil {
						t.Error(err)
					}
					changes.Add(1)
				}
				if i%3 != 0 {
					end()
					changes.Add(1)
				} else {
					t.Cleanup(end)
				}
			}
		})
	}
	wg.Wait()
	for range changes.Load() {
		mirror.Sync(nextDiff(t, sub))
	}
	list, err := tr.List(t.Context(), "room:1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := refsOf(mirror), refsOf(list); !slices.Equal(got, want) {
		t.Fatalf("diffs synced give %d metas, List gives %d", len(got), len(want))
	}
}

func refsOf(p presence.Presences[roomMeta]) []string {
	var refs []string
	for key, pr := range p {
		for _, m := range pr.Metas {
			refs = append(refs, key+"="+m.Ref)
		}
	}
	slices.Sort(refs)
	return refs
}

func TestTrackerClose(t *testing.T) {
	t.Parallel()
	tr, ps := newTracker(t, presence.Options[roomMeta]{})
	sub := subscribe(t, ps, "room:1")
	owner, end := context.WithCancel(t.Context())
	mustTrack(t, tr, owner, "room:1", "alice", roomMeta{})
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// The diff queued before Close was delivered before Close returned.
	select {
	case <-sub.C():
	default:
		t.Fatal("Close returned before delivering the queued diff")
	}
	end() // no longer watched: nothing is delivered
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	if tr.Untrack(owner, "room:1", "alice") || tr.UntrackAll(owner) != 0 {
		t.Fatal("untracking after Close reported something untracked")
	}
	select {
	case msg := <-sub.C():
		t.Fatalf("got %v after Close", msg)
	case <-time.After(10 * time.Millisecond):
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	ints, err := presence.New(ps, presence.Options[int]{Name: "rooms"})
	if err != nil {
		t.Fatal(err)
	}
	defer ints.Close()
	tests := []struct {
		name string
		opts presence.Options[roomMeta]
		want error
	}{
		{
			name: "a negative period",
			opts: presence.Options[roomMeta]{BroadcastPeriod: -time.Second},
			want: presence.ErrInvalidOptions,
		},
		{
			name: "a down period shorter than the idle heartbeat interval",
			opts: presence.Options[roomMeta]{BroadcastPeriod: time.Second, MaxSilentPeriods: 10, DownPeriod: 5 * time.Second},
			want: presence.ErrInvalidOptions,
		},
		{
			name: "a permdown period shorter than the down period",
			opts: presence.Options[roomMeta]{PermdownPeriod: time.Second},
			want: presence.ErrInvalidOptions,
		},
		{
			name: "a name already used with another meta type",
			opts: presence.Options[roomMeta]{Name: "rooms"},
			want: pubsub.ErrDuplicateType,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			t.Parallel()
			if tr, err := presence.New(ps, tt.opts); !errors.Is(err, tt.want) {
				if tr != nil {
					tr.Close()
				}
				t.Fatalf("New = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestTrackerCloseCancelsFetch(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{Node: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	sub := subscribe(t, ps, "room:1")
	fetching := make(chan struct{})
	tr, err := presence.New(ps, presence.Options[roomMeta]{
		Logger: discard(),
		Fetch: func(ctx context.Context, _ string, _ presence.Presences[roomMeta]) error {
			close(fetching)
			<-ctx.Done() // a query that only ends when cancelled
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mustTrack(t, tr, t.Context(), "room:1", "alice", roomMeta{})
	<-fetching
	if err := tr.Close(); err != nil {
		t.Fatal(err)
	}
	// Close cancelled Fetch's context, and the diff still went out.
	select {
	case <-sub.C():
	default:
		t.Fatal("the diff whose Fetch was cancelled was not delivered")
	}
}

func TestTopicsCountsKeysPerTopic(t *testing.T) {
	t.Parallel()
	tr, _ := newTracker(t, presence.Options[roomMeta]{})
	ctx1, end1 := context.WithCancel(context.Background())
	defer end1()
	ctx2, end2 := context.WithCancel(context.Background())
	defer end2()
	for _, p := range []struct {
		ctx        context.Context
		topic, key string
	}{{ctx1, "room:b", "ada"}, {ctx2, "room:b", "ada"}, {ctx1, "room:b", "bob"}, {ctx1, "room:a", "cy"}, {ctx2, "room:c", "dee"}} {
		if _, err := tr.Track(p.ctx, p.topic, p.key, roomMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := fmt.Sprint(tr.Topics()), "[{room:a 1} {room:b 2} {room:c 1}]"; got != want {
		t.Fatalf("Topics() = %s, want %s", got, want)
	}
	if !tr.Untrack(ctx2, "room:c", "dee") {
		t.Fatal("Untrack found nothing")
	}
	if got, want := fmt.Sprint(tr.Topics()), "[{room:a 1} {room:b 2}]"; got != want {
		t.Fatalf("after Untrack, Topics() = %s, want %s", got, want)
	}
}
