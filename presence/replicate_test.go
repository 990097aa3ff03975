package presence_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// link is an adapter that can be cut off from the cluster, both ways,
// losing what is sent meanwhile, like a network partition.
type link struct {
	pubsub.Adapter
	cut atomic.Bool
}

func (l *link) Start(receive func([]byte)) error {
	return l.Adapter.Start(func(frame []byte) {
		if !l.cut.Load() {
			receive(frame)
		}
	})
}

func (l *link) Publish(ctx context.Context, frame []byte) error {
	if l.cut.Load() {
		return nil
	}
	return l.Adapter.Publish(ctx, frame)
}

// node is one node of a test cluster, with a subscriber to room:1 whose
// diffs are synced into mirror.
type node struct {
	name   string
	ps     *pubsub.PubSub
	tr     *presence.Tracker[roomMeta]
	link   *link
	sub    *pubsub.Subscription
	mirror presence.Presences[roomMeta]
	diffs  []presence.Diff[roomMeta]
}

var fastReplication = presence.Options[roomMeta]{
	BroadcastPeriod:  10 * time.Millisecond,
	MaxSilentPeriods: 2,
	DownPeriod:       150 * time.Millisecond,
	PermdownPeriod:   time.Minute,
}

func newNode(t *testing.T, cluster *pubsub.MemoryCluster, name string, opts presence.Options[roomMeta]) *node {
	t.Helper()
	n := &node{name: name, link: &link{Adapter: cluster.Adapter(name)}, mirror: presence.Presences[roomMeta]{}}
	var err error
	n.ps, err = pubsub.New(pubsub.Options{Node: name, Adapter: n.link, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	// Subscribe first, so the mirror sees every diff of this node.
	n.sub, err = n.ps.SubscribeMailbox(pubsub.NewMailbox(4096), "room:1")
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger = testLogger()
	n.tr, err = presence.New(n.ps, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.sub.Close()
		n.tr.Close()
		n.ps.Close()
	})
	return n
}

// sync applies the diffs that have arrived to the mirror.
func (n *node) sync() {
	for {
		select {
		case msg := <-n.sub.C():
			if d, ok := msg.Payload.(presence.Diff[roomMeta]); ok {
				n.mirror.Sync(d)
				n.diffs = append(n.diffs, d)
			}
		default:
			return
		}
	}
}

// online returns "key:typing" for each meta listed on room:1, sorted.
func (n *node) online(t *testing.T) []string {
	t.Helper()
	list, err := n.tr.List(t.Context(), "room:1")
	if err != nil {
		t.Fatal(err)
	}
	return describe(list)
}

func describe(p presence.Presences[roomMeta]) []string {
	var out []string
	for key, pr := range p {
		for _, m := range pr.Metas {
			out = append(out, fmt.Sprintf("%s:%v", key, m.Value.Typing))
		}
	}
	slices.Sort(out)
	return out
}

// eventually waits until every node lists want on room:1 and its mirror,
// built from the diffs it received, agrees.
func eventually(t *testing.T, want []string, nodes ...*node) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok := true
		for _, n := range nodes {
			n.sync()
			if !slices.Equal(n.online(t), want) || !slices.Equal(describe(n.mirror), want) {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			for _, n := range nodes {
				t.Errorf("node %s lists %v, its diffs give %v", n.name, n.online(t), describe(n.mirror))
			}
			t.Fatalf("want %v everywhere", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestReplicationThreeNodes(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	a := newNode(t, cluster, "a", fastReplication)
	b := newNode(t, cluster, "b", fastReplication)
	c := newNode(t, cluster, "c", fastReplication)

	alice, aliceLeaves := context.WithCancel(t.Context())
	mustTrack(t, a.tr, alice, "room:1", "alice", roomMeta{})
	mustTrack(t, b.tr, t.Context(), "room:1", "bob", roomMeta{})
	mustTrack(t, c.tr, t.Context(), "room:1", "bob", roomMeta{Typing: true}) // bob's second tab
	eventually(t, []string{"alice:false", "bob:false", "bob:true"}, a, b, c)

	ref, err := a.tr.Update(alice, "room:1", "alice", roomMeta{Typing: true})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, []string{"alice:true", "bob:false", "bob:true"}, a, b, c)
	if p, err := c.tr.Get(t.Context(), "room:1", "alice"); err != nil || p.Metas[0].Ref != ref || p.Metas[0].PrevRef == "" {
		t.Fatalf("c has alice as %+v, %v; want ref %s with a phx_ref_prev", p, err, ref)
	}

	aliceLeaves()
	eventually(t, []string{"bob:false", "bob:true"}, a, b, c)
}

func TestReplicationNewNode(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	opts := fastReplication
	opts.MaxSilentPeriods = 1000 // no idle heartbeats: the newcomer must be told at once
	opts.DownPeriod = time.Hour
	opts.PermdownPeriod = 2 * time.Hour
	a := newNode(t, cluster, "a", opts)
	b := newNode(t, cluster, "b", opts)
	mustTrack(t, a.tr, t.Context(), "room:1", "alice", roomMeta{})
	mustTrack(t, b.tr, t.Context(), "room:1", "bob", roomMeta{})
	eventually(t, []string{"alice:false", "bob:false"}, a, b)

	d := newNode(t, cluster, "d", opts)
	eventually(t, []string{"alice:false", "bob:false"}, a, b, d)
}

func TestReplicationDownAndBack(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	a := newNode(t, cluster, "a", fastReplication)
	b := newNode(t, cluster, "b", fastReplication)
	c := newNode(t, cluster, "c", fastReplication)
	mustTrack(t, a.tr, t.Context(), "room:1", "alice", roomMeta{})
	mustTrack(t, c.tr, t.Context(), "room:1", "carol", roomMeta{})
	eventually(t, []string{"alice:false", "carol:false"}, a, b, c)

	// c is cut off: after the down period a and b report carol as gone,
	// and c reports alice as gone. What c tracks meanwhile is lost in
	// transit.
	c.link.cut.Store(true)
	mustTrack(t, c.tr, t.Context(), "room:1", "dave", roomMeta{})
	eventually(t, []string{"alice:false"}, a, b)
	eventually(t, []string{"carol:false", "dave:false"}, c)

	// c comes back: everyone converges, and nobody is listed twice.
	c.link.cut.Store(false)
	want := []string{"alice:false", "carol:false", "dave:false"}
	eventually(t, want, a, b, c)
	for _, n := range []*node{a, b, c} {
		joined := make(map[string]int)
		for _, d := range n.diffs {
			for key, p := range d.Joins {
				joined[key] += len(p.Metas)
			}
			for key, p := range d.Leaves {
				joined[key] -= len(p.Metas)
			}
		}
		for _, key := range []string{"alice", "carol", "dave"} {
			if joined[key] != 1 {
				t.Errorf("on %s, %s joined %d more times than it left, want 1", n.name, key, joined[key])
			}
		}
	}
}

func TestReplicationGracefulClose(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	opts := fastReplication
	opts.DownPeriod = time.Hour // only the goodbye can make bob leave in time
	opts.PermdownPeriod = 2 * time.Hour
	a := newNode(t, cluster, "a", opts)
	b := newNode(t, cluster, "b", opts)
	mustTrack(t, a.tr, t.Context(), "room:1", "alice", roomMeta{})
	mustTrack(t, b.tr, t.Context(), "room:1", "bob", roomMeta{})
	eventually(t, []string{"alice:false", "bob:false"}, a, b)

	if err := b.tr.Close(); err != nil {
		t.Fatal(err)
	}
	eventually(t, []string{"alice:false"}, a)
}

func TestReplicationLargeTransfer(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	opts := fastReplication
	opts.MaxSilentPeriods = 1000 // only the transfer to the newcomer can tell it
	opts.DownPeriod = time.Hour
	opts.PermdownPeriod = 2 * time.Hour
	a := newNode(t, cluster, "a", opts)
	var want []string
	for i := range 1234 { // several parts of a transfer
		key := fmt.Sprintf("u%04d", i)
		mustTrack(t, a.tr, t.Context(), "room:1", key, roomMeta{})
		want = append(want, key+":false")
	}
	d := newNode(t, cluster, "d", opts)
	eventually(t, want, a, d)
}

func TestReplicationBurst(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	a := newNode(t, cluster, "a", fastReplication)
	b := newNode(t, cluster, "b", fastReplication)
	eventually(t, nil, a, b)
	var owners []context.CancelFunc
	var want []string
	for i := range 1234 { // more than one message can carry
		owner, cancel := context.WithCancel(t.Context())
		owners = append(owners, cancel)
		key := fmt.Sprintf("u%04d", i)
		mustTrack(t, a.tr, owner, "room:1", key, roomMeta{})
		want = append(want, key+":false")
	}
	eventually(t, want, a, b)
	for _, cancel := range owners {
		cancel()
	}
	eventually(t, nil, a, b)
}

func TestANodeRestartedUnderItsNameDropsTheOldOnesEntries(t *testing.T) {
	t.Parallel()
	opts := presence.Options[roomMeta]{
		BroadcastPeriod:  10 * time.Millisecond,
		MaxSilentPeriods: 2,
		DownPeriod:       time.Minute, // far longer than the test: only the restart can make bob leave
		PermdownPeriod:   2 * time.Minute,
	}
	cluster := pubsub.NewMemoryCluster()
	a := newNode(t, cluster, "a", opts)
	b := newNode(t, cluster, "b", opts)
	mustTrack(t, b.tr, t.Context(), "room:1", "bob", roomMeta{})
	eventually(t, []string{"bob:false"}, a, b)
	// b crashes: its leave never arrives. It restarts under its name.
	b.link.cut.Store(true)
	b.tr.Close()
	b.ps.Close()
	b2 := newNode(t, cluster, "b", opts)
	eventually(t, nil, a, b2)
}

func TestAForgedHeartbeatCannotFreezeATracker(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	ps, err := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a"), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := presence.New(ps, presence.Options[roomMeta]{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tr.Close()
		ps.Close()
	})
	evil := cluster.Adapter("evil")
	if err := evil.Start(func([]byte) {}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { evil.Close() })
	env := pubsub.Envelope{Node: "evil", Topic: "templive.presence:presence", Type: "presence.presence",
		Data: []byte(`{"kind":"heartbeat","from":"evil#1","clock":18446744073709551615,"state":{"seen":18446744073709551615,"after":18446744073709551612}}`)}
	frame, err := env.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := evil.Publish(t.Context(), frame); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // let the frame arrive first
		_, err := tr.Track(context.Background(), "room:1", "alice", roomMeta{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Track blocked after a forged heartbeat")
	}
}
