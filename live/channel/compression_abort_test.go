package channel

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/internal/netcount"
)

// TestASlowClientFoundOutWhileAFrameIsDeflatedIsClosedWithinTheGrace
// pushes a frame that takes a while to deflate (random, so it barely
// shrinks) to a client that offered compression and reads nothing, then
// small frames until the outbound queue overflows: the client is found too
// slow while the writer deflates. The write that follows must end within
// the abort's grace (closeGrace), not at its own deadline, here minutes
// away: the abort holds although gorilla sets the connection's deadline
// again when it starts writing. (Without -race the deflate may be over
// before the abort, and the test then holds trivially.)
func TestASlowClientFoundOutWhileAFrameIsDeflatedIsClosedWithinTheGrace(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 8<<20)
	rand.Read(raw)
	large, _ := json.Marshal(base64.StdEncoding.EncodeToString(raw))
	small := json.RawMessage(`"` + strings.Repeat("s", 1<<10) + `"`)
	lim := Limits{
		WriteTimeout: 10 * time.Minute, SlowClientTimeout: 10 * time.Minute, IdleTimeout: 10 * time.Minute,
		OutboundBytes: len(large) + 2<<10, // the large frame, and a small one
	}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim, Compression: Compression{Enabled: true}}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			if err := cc.Push("large", json.RawMessage(large)); err != nil {
				t.Errorf("push: %v", err)
			}
			// The small frames are paced, so that the queue overflows
			// once the writer has taken the large frame.
			for cc.Push("small", small) == nil {
				time.Sleep(5 * time.Millisecond)
			}
			return NoReply, nil
		}
	})
	c, _ := s.dialCounted(t, "1", true, &netcount.Counter{})
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "go", nil)
	waitForLog(t, s, "closing a slow client")
	waitForLog(t, s, "socket closed")
}
