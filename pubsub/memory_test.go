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
	var reported []error
	a := newNode(t, pubsub.Options{Node: "a", Adapter: cluster.Adapter("a"), OnError: func(err error) { reported = append(reported, err) }})
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	if n := cluster.Nodes(); n != 2 {
		t.Fatalf("%d nodes, want 2", n)
	}
	onA, _ := a.Subscribe("t")
	onB, _ := b.Subscribe("t")

	cluster.Cut("a")
	err := a.Broadcast(t.Context(), "t", "from a")
	if !errors.Is(err, pubsub.ErrPublish) || !errors.Is(err, pubsub.ErrDisconnected) {
		t.Fatalf("Broadcast from a cut node: %v, want ErrPublish and ErrDisconnected", err)
	}
	if len(reported) != 1 || a.Stats().PublishErrors != 1 {
		t.Fatalf("reported %v, stats %+v", reported, a.Stats())
	}
	if m := <-onA.C(); m.Payload != "from a" {
		t.Fatalf("local subscriber got %#v", m.Payload)
	}
	if err := b.Broadcast(t.Context(), "t", "from b"); err != nil {
		t.Fatal(err)
	}
	<-onB.C()

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
