package pubsub_test

import (
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

func TestStatsCountBroadcastsDeliveriesAndWhatOtherNodesSent(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	a := newNode(t, pubsub.Options{Node: "a", Adapter: cluster.Adapter("a")})
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b"), MailboxSize: 1})
	if err := pubsub.Register[string](a, "string"); err != nil {
		t.Fatal(err)
	}
	if err := pubsub.Register[string](b, "string"); err != nil {
		t.Fatal(err)
	}
	onA1, _ := a.Subscribe("t")
	a.Subscribe("t")
	onB, _ := b.Subscribe("t")

	if err := a.Broadcast(t.Context(), "t", "one"); err != nil {
		t.Fatal(err)
	}
	a.LocalBroadcastFrom(onA1.Mailbox(), "t", "two")
	<-onB.C() // "one", from a
	if err := a.Broadcast(t.Context(), "t", "three"); err != nil {
		t.Fatal(err)
	}
	b.LocalBroadcast("t", "four") // b's mailbox of one holds "three" or "four"; the other is dropped
	deadline := time.Now().Add(5 * time.Second)
	for b.Stats().Received < 2 || b.Stats().Dropped < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("b's stats %+v: want 2 received, 1 dropped", b.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	if st := a.Stats(); st.Broadcasts != 3 || st.Delivered != 5 || st.Received != 0 || st.Dropped != 0 {
		t.Errorf("a's stats %+v: want 3 broadcasts, 5 deliveries", st)
	}
	if st := b.Stats(); st.Broadcasts != 1 || st.Received != 2 || st.Delivered != 2 || st.Dropped != 1 || st.Overflows != 1 {
		t.Errorf("b's stats %+v: want 1 broadcast, 2 received, 2 delivered, 1 dropped in 1 overflow", st)
	}
}
