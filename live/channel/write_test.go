package channel

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestASlowReaderPinsNoMoreThanOutboundBytes floods a client that never
// reads with large frames: what the server holds for it stays within
// OutboundBytes, and the client is disconnected as too slow.
//
// It is not parallel: it measures the process's heap.
func TestASlowReaderPinsNoMoreThanOutboundBytes(t *testing.T) {
	const (
		bound     = 2 << 20
		frameSize = 256 << 10
		frames    = 1000 // 250 MiB: far more than the socket buffers take
		slack     = 1 << 20
	)
	type result struct {
		growth int64
		pushed int
		err    error
	}
	results := make(chan result, 1)
	// Only the byte bound may stop the flood: the timeouts are long.
	lim := Limits{OutboundBytes: bound, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			payload := json.RawMessage(`"` + strings.Repeat("x", frameSize) + `"`)
			before := int64(liveHeap())
			var r result
			for r.err == nil && r.pushed < frames {
				if r.err = cc.Push("flood", payload); r.err == nil {
					r.pushed++
					// The most the server held for the client at any time.
					r.growth = max(r.growth, int64(liveHeap())-before)
				}
			}
			results <- r
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "flood_me", nil)
	// The client reads nothing more.
	r := waitFor(t, results, "the flood")
	t.Logf("pushed %d frames of %d KiB; live heap grew by up to %.1f MiB (bound %d MiB)",
		r.pushed, frameSize>>10, float64(r.growth)/(1<<20), bound>>20)
	if !errors.Is(r.err, ErrSlowClient) {
		t.Fatalf("after %d pushes: err %v, want ErrSlowClient", r.pushed, r.err)
	}
	if r.growth > bound+slack {
		t.Fatalf("the server holds %d bytes for a client that reads nothing, more than OutboundBytes (%d) + %d", r.growth, bound, slack)
	}
	waitForLog(t, s, "client too slow")
}

// waitForLog waits until the socket's logs contain text.
func waitForLog(t *testing.T, s *testServer, text string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.logs.String(), text); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the logs:\n%s", text, s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestABurstToAFastReaderIsNotSlow sends a burst of many more frames than
// the outbound queue once held (256) to a client that reads them all.
// Time is not what it tests: the timeouts are long enough that a loaded
// machine does not matter.
func TestABurstToAFastReaderIsNotSlow(t *testing.T) {
	t.Parallel()
	const burst = 1000
	lim := Limits{WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			line := strings.Repeat("x", 1000)
			for i := range burst {
				if err := cc.Push("burst", map[string]any{"i": i, "line": line}); err != nil {
					t.Errorf("push %d: %v", i, err)
					break
				}
			}
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "burst_me", nil)
	for i := range burst {
		if m := c.read(); m.Event != "burst" {
			t.Fatalf("frame %d: %s", i, m.Raw)
		}
	}
	// Still connected.
	c.send("", "3", "phoenix", "heartbeat", map[string]any{})
	c.expectStatus(c.expectReply("3"), "ok", `{}`)
}

func TestAClientThatNeverCatchesUpIsSlowAfterSlowClientTimeout(t *testing.T) {
	t.Parallel()
	const slowAfter = 300 * time.Millisecond
	errs := make(chan error, 1)
	// A byte bound, a write timeout and an idle timeout the test never
	// reaches: only the time the queue stays non-empty counts, and the
	// log says that it did.
	lim := Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, IdleTimeout: time.Minute, SlowClientTimeout: slowAfter}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			payload := json.RawMessage(`"` + strings.Repeat("x", 16<<10) + `"`)
			var err error
			for deadline := time.Now().Add(50 * time.Second); err == nil && time.Now().Before(deadline); {
				err = cc.Push("stream", payload)
				time.Sleep(time.Millisecond)
			}
			errs <- err
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "stream_me", nil)
	// The client reads nothing more.
	select {
	case err := <-errs:
		if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSlowClient) {
			t.Fatalf("push: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream never ended")
	}
	waitForLog(t, s, "queue not drained for "+slowAfter.String())
}

func TestPushesDuringJoinCountAgainstOutboundBytes(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{OutboundBytes: 4 << 10}}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			line := strings.Repeat("x", 1<<10)
			for range 100 {
				if err := cc.Push("hello", line); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}
	})
	c := s.dial(t, "1")
	c.send("1", "1", "room:1", "phx_join", map[string]any{})
	c.expectClose(websocket.ClosePolicyViolation)
}

// TestOutboundBytesCountsWhatWaitsOnEveryConnection floods a client that
// reads nothing: the Socket's OutboundBytes counts what waits for it, and
// nothing once the connection has ended.
func TestOutboundBytesCountsWhatWaitsOnEveryConnection(t *testing.T) {
	t.Parallel()
	const (
		pushes    = 64
		frameSize = 256 << 10 // 16 MiB in all, far more than the socket buffers take
	)
	pushed := make(chan error, 1)
	lim := Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			payload := json.RawMessage(`"` + strings.Repeat("x", frameSize) + `"`)
			var err error
			for range pushes {
				if err = cc.Push("flood", payload); err != nil {
					break
				}
			}
			pushed <- err
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "flood_me", nil)
	if err := waitFor(t, pushed, "the flood"); err != nil {
		t.Fatal(err)
	}
	// The writer waits on the client with most of the flood still queued.
	if n := s.sock.OutboundBytes(); n < pushes*frameSize/2 {
		t.Fatalf("OutboundBytes %d while %d bytes were pushed to a client that reads nothing", n, pushes*frameSize)
	}
	c.ws.Close()
	waitUntil(t, "the ended connection's queue is uncounted", func() bool { return s.sock.OutboundBytes() == 0 })
}

// TestClosingASlowClientIsLoggedOnce floods a client that reads nothing
// from several goroutines at once: each push over OutboundBytes finds it
// too slow, but the close is logged once.
func TestClosingASlowClientIsLoggedOnce(t *testing.T) {
	t.Parallel()
	const pushers = 8
	var wg sync.WaitGroup
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{OutboundBytes: 64 << 10}}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			payload := strings.Repeat("x", 16<<10)
			for range pushers {
				wg.Go(func() {
					for cc.Push("flood", payload) == nil {
					}
				})
			}
			wg.Wait()
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "flood_me", nil)
	// The client reads nothing more; the connection's last line is
	// logged once it has closed.
	waitForLog(t, s, "socket closed")
	if n := strings.Count(s.logs.String(), "closing a slow client"); n != 1 {
		t.Fatalf("closing a slow client logged %d times:\n%s", n, s.logs.String())
	}
}

// TestAClientFoundSlowWhileALargeFrameIsWrittenGetsTheCloseFrame sends
// a frame far larger than the socket buffers to a client that reads it
// slowly, more slowly than SlowClientTimeout allows: the server gives up
// between two pieces of the frame, and the client gets the close frame
// (1008) instead of a frame cut short.
func TestAClientFoundSlowWhileALargeFrameIsWrittenGetsTheCloseFrame(t *testing.T) {
	t.Parallel()
	const large = 32 << 20
	lim := Limits{WriteTimeout: time.Minute, SlowClientTimeout: 300 * time.Millisecond, IdleTimeout: time.Minute}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			if err := cc.Push("large", json.RawMessage(`"`+strings.Repeat("x", large)+`"`)); err != nil {
				t.Errorf("push: %v", err)
			}
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "go", nil)
	c.ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, r, err := c.ws.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	// 16 KiB a millisecond at most: 32 MiB would take 2 s. The server's
	// pieces keep moving all the while.
	buf := make([]byte, 16<<10)
	read := 0
	for {
		n, err := io.ReadFull(r, buf)
		read += n
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Fatalf("after %d bytes: %v, want close 1008", read, err)
			}
			break
		}
		if read >= large {
			t.Fatalf("read the whole frame (%d bytes): the client was not found slow", read)
		}
		time.Sleep(time.Millisecond)
	}
	waitForLog(t, s, "closing a slow client")
}

// TestACloseWritesTheRestOfTheWritersBatchBeforeLaterFrames closes a
// connection (over the event rate limit) while the writer is in the
// middle of a batch — the join reply and what Join pushed, more than the
// socket buffers take, to a client not reading yet: every frame of the
// batch arrives, in order, then the replies queued after it, then the
// close frame.
func TestACloseWritesTheRestOfTheWritersBatchBeforeLaterFrames(t *testing.T) {
	t.Parallel()
	const (
		pushes    = 128
		frameSize = 256 << 10 // 32 MiB in all
	)
	lim := Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute, EventsPerSecond: 2}
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			pad := strings.Repeat("x", frameSize)
			for i := range pushes {
				payload := json.RawMessage(`{"i":` + strconv.Itoa(i) + `,"pad":"` + pad + `"}`)
				if err := cc.Push("p", payload); err != nil {
					return nil, err
				}
			}
			return nil, nil
		}
	})
	c := s.dial(t, "1")
	sc := serverClient(t, s)
	c.send("1", "1", "room:1", "phx_join", map[string]any{})
	// The writer takes the reply and the pushes in one batch, and waits
	// on the client before it gets far into it.
	waitUntil(t, "the writer has started the batch", func() bool {
		sc.outMu.Lock()
		defer sc.outMu.Unlock()
		return sc.outBytes > 0 && sc.outBytes < pushes*frameSize
	})
	// Heartbeats past the rate limit close the connection; those within
	// it are answered after the batch.
	const heartbeats = 20
	for i := range heartbeats {
		frame := encodeText("", "h"+strconv.Itoa(i), "phoenix", "heartbeat", nil)
		if c.ws.WriteMessage(websocket.TextMessage, frame) != nil {
			break
		}
	}
	waitFor(t, sc.done, "the close")

	c.expectReply("1")
	c.ws.SetReadDeadline(time.Now().Add(time.Minute))
	for i := range pushes {
		_, data, err := c.ws.ReadMessage()
		if want := `["1",null,"room:1","p",{"i":` + strconv.Itoa(i) + `,`; err != nil || !strings.HasPrefix(string(data), want) {
			t.Fatalf("want push %d, got %.80s (%v)", i, data, err)
		}
	}
	answered := 0
	for {
		m, err := c.readErr(5 * time.Second)
		if err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
				t.Fatalf("after %d heartbeat replies: %v, want close 1008", answered, err)
			}
			break
		}
		if want := "h" + strconv.Itoa(answered); m.Event != "phx_reply" || m.Ref != want {
			t.Fatalf("want the reply to heartbeat %s, got %s", want, m.Raw)
		}
		answered++
	}
	if answered == 0 || answered == heartbeats {
		t.Fatalf("%d of %d heartbeats answered", answered, heartbeats)
	}
}
