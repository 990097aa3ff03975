package presence_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/nats"
)

type avatarMeta struct {
	Avatar string `json:"avatar"`
}

// TestLargeMetasReplicateOverNATS tracks 400 presences whose metas are 3 KB
// each on one node — 1.2 MB, more than NATS carries in one message — and
// checks that a node joining later lists them all: deltas and transfers
// are split by size, not only by count.
func TestLargeMetasReplicateOverNATS(t *testing.T) {
	t.Parallel()
	subject := fmt.Sprintf("templive-test.presence-big.%d", time.Now().UnixNano())
	node := func(name string) *presence.Tracker[avatarMeta] {
		ps, err := pubsub.New(pubsub.Options{Node: name, Logger: discard(), Adapter: nats.New(nats.Options{Subject: subject, Logger: discard()})})
		if err != nil {
			t.Fatalf("node %s (is nats-server running on 127.0.0.1:4222?): %v", name, err)
		}
		tr, err := presence.New(ps, presence.Options[avatarMeta]{Logger: discard(), BroadcastPeriod: 50 * time.Millisecond, MaxSilentPeriods: 2, DownPeriod: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			tr.Close()
			ps.Close()
		})
		return tr
	}
	a := node("a")
	avatar := strings.Repeat("x", 3000)
	for i := range 400 {
		if _, err := a.Track(context.Background(), "room", fmt.Sprint("u", i), avatarMeta{Avatar: avatar}); err != nil {
			t.Fatal(err)
		}
	}
	b := node("b")
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := b.List(t.Context(), "room")
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 400 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("b lists %d of the 400 presences tracked on a", len(p))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
