// Package adaptertest holds what the tests of the pubsub adapters share:
// waiting for messages across a broker, and for a cut connection to come
// back.
package adaptertest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// WaitReconnected broadcasts probes from one node until one reaches the
// other, which proves both connections are back and subscribed.
func WaitReconnected(t *testing.T, from *pubsub.PubSub, local, remote *pubsub.Subscription) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		from.Broadcast(t.Context(), "t", fmt.Sprintf("probe %s %d", from.Node(), i))
		Drain(local)
		timeout := time.After(200 * time.Millisecond)
	wait:
		for {
			select {
			case m := <-remote.C():
				// Buffered "during" broadcasts may arrive first.
				if s, _ := m.Payload.(string); strings.HasPrefix(s, "probe "+from.Node()) {
					Drain(remote)
					return
				}
			case <-timeout:
				break wait
			}
		}
	}
	t.Fatalf("no probe from %s arrived within 15 s of restoring the connection", from.Node())
}

// Drain discards what s holds now.
func Drain(s *pubsub.Subscription) {
	for s.Mailbox().Len() > 0 {
		<-s.C()
	}
}

// Expect fails the test unless the next message on s, within 5 s, is want.
func Expect(t *testing.T, s *pubsub.Subscription, want any) {
	t.Helper()
	select {
	case m := <-s.C():
		if m.Payload != want {
			t.Fatalf("got %#v, want %#v", m.Payload, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no %#v within 5 s", want)
	}
}
