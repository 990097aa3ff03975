package channel

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/netcount"
)

// dialCounted connects as user, offering permessage-deflate as browsers
// do when offer is set, and counts the connection's bytes in n.
func (s *testServer) dialCounted(t *testing.T, user string, offer bool, n *netcount.Counter) (*wsClient, *http.Response) {
	t.Helper()
	d := websocket.Dialer{EnableCompression: offer, NetDialContext: n.DialContext}
	ws, resp, err := d.Dial(s.url("user="+user), nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return &wsClient{t: t, ws: ws}, resp
}

func TestCompressionIsNegotiatedOnlyWhenEnabledAndOffered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		enabled, offer bool
	}{
		{"an enabled socket takes a client's offer", true, true},
		{"an enabled socket serves a client that offers nothing", true, false},
		{"a socket with compression off declines a client's offer", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSocket(t, SocketOptions[*testUser]{Compression: Compression{Enabled: tc.enabled}}, nil)
			c, resp := s.dialCounted(t, "u1", tc.offer, &netcount.Counter{})
			ext := resp.Header.Get("Sec-Websocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != (tc.enabled && tc.offer) {
				t.Fatalf("Sec-WebSocket-Extensions %q: negotiated %v", ext, got)
			}
			c.join("room:a", "1", nil)
			payload := map[string]string{"text": strings.Repeat("hello ", 40000)}
			c.send("1", "2", "room:a", "echo", payload)
			m := c.expectReply("2")
			if _, resp := m.status(); !strings.Contains(resp, "hello hello") || len(resp) < 240000 {
				t.Fatalf("echo came back as %.80s… (%d bytes)", resp, len(resp))
			}
		})
	}
}

func TestCompressionDeflatesOnlyFramesFromMinSize(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Compression: Compression{Enabled: true, MinSize: 2000}}, nil)
	var n netcount.Counter
	c, _ := s.dialCounted(t, "u1", true, &n)
	c.join("room:a", "1", nil)
	// The echo of a payload of text is its reply frame, about 60 bytes
	// longer.
	for i, tc := range []struct {
		text       string
		compressed bool
	}{
		{strings.Repeat("a", 1000), false},
		{strings.Repeat("a", 20000), true},
	} {
		before := n.Read()
		ref := string(rune('2' + i))
		c.send("1", ref, "room:a", "echo", tc.text)
		m := c.expectReply(ref)
		got := n.Read() - before
		if compressed := got < int64(len(m.Raw))/2; compressed != tc.compressed {
			t.Errorf("a %d-byte frame took %d bytes on the wire: compressed %v, want %v", len(m.Raw), got, compressed, tc.compressed)
		}
	}
}

func TestCompressedFrameOverReadLimitWhenInflatedClosesTheConnection(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{
		Compression: Compression{Enabled: true},
		Limits:      Limits{ReadLimit: 64 << 10},
	}, nil)
	// 1 MiB of one byte deflates to about 8 KB, well under the read limit
	// on the wire.
	var n netcount.Counter
	c, _ := s.dialCounted(t, "u1", true, &n)
	c.join("room:a", "1", nil)
	bomb := encodeText("1", "2", "room:a", "echo", append(append([]byte(`"`), bytes.Repeat([]byte("a"), 1<<20)...), '"'))
	before := n.Written()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.sendRaw(websocket.TextMessage, bomb)
	if sent := n.Written() - before; sent > 32<<10 {
		t.Fatalf("the frame took %d bytes on the wire, too many to test the inflated bound", sent)
	}
	c.expectClose(websocket.CloseMessageTooBig)
}

func TestCompressionLevelOutOfRangePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewSocket accepted Compression.Level 12")
		}
	}()
	NewSocket(SocketOptions[*testUser]{Compression: Compression{Enabled: true, Level: 12}})
}
