package presence_test

import (
	"context"
	"testing"
	"time"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

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
