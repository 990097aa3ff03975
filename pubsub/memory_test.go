package pubsub_test

import (
	"errors"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

func TestMemoryClusterCut(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	reported := make(chan error, 16)
	a := newNode(t, pubsub.Options{Node: "a", Adapter: cluster.Adapter("a"), OnError: func(err error) { reported <- err }})
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	// c shows when a frame from b has gone through the cluster: the
	// broadcasts are published after Broadcast returns.
	c := newNode(t, pubsub.Options{Node: "c", Adapter: cluster.Adapter("c")})
	if n := cluster.Nodes(); n != 3 {
		t.Fatalf("%d nodes, want 3", n)
	}
	onA, _ := a.Subscribe("t")
	onB, _ := b.Subscribe("t")
	onC, _ := c.Subscribe("t")

	cluster.Cut("a")
	if err := a.Broadcast(t.Context(), "t", "from a"); err != nil {
		t.Fatalf("Broadcast from a cut node: %v; the failure to reach other nodes is reported, not returned", err)
	}
	if m := <-onA.C(); m.Payload != "from a" {
		t.Fatalf("local subscriber got %#v", m.Payload)
	}
	select {
	case err := <-reported:
		if !errors.Is(err, pubsub.ErrPublish) || !errors.Is(err, pubsub.ErrDisconnected) {
			t.Fatalf("reported %v, want ErrPublish and ErrDisconnected", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the failed publish was not reported")
	}
	if st := a.Stats(); st.PublishErrors != 1 {
		t.Fatalf("stats %+v, want 1 publish error", st)
	}
	if err := b.Broadcast(t.Context(), "t", "from b"); err != nil {
		t.Fatal(err)
	}
	<-onB.C()
	<-onC.C()

	cluster.Restore("a")
	if err := b.Broadcast(t.Context(), "t", "again"); err != nil {
		t.Fatal(err)
	}
	<-onB.C()
	select {
	case m := <-onA.C():
		if m.Payload != "again" {
			t.Fatalf("a got %#v; the frame sent while it was cut should be lost", m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a heard nothing after Restore")
	}
}
