package channel

import (
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// A transport carries one client's frames: a WebSocket (wsTransport), or a
// long-poll session (longpoll.go), whose frames arrive in POSTs and leave
// in the answers to GETs. The client loop (client.go, read.go, write.go)
// is the same over both: one reader calls readMessage, one writer calls
// writeMessage and, last, writeClose and close. Message types are
// websocket.TextMessage and websocket.BinaryMessage.
type transport interface {
	// readMessage returns the next client frame. It fails with a
	// net.Error whose Timeout is true when nothing arrived before
	// deadline, with websocket.ErrReadLimit for a frame over the read
	// limit, and with a *websocket.CloseError when the client closed.
	readMessage(deadline time.Time) (typ int, data []byte, err error)
	// discard drops what the client sends until it closes or deadline
	// passes.
	discard(deadline time.Time)
	// writeMessage sends one frame, failing once deadline passes.
	writeMessage(typ int, data []byte, deadline time.Time) error
	// abortWrite makes a writeMessage in progress fail within closeGrace,
	// and any later one at once. It may be called from any goroutine.
	abortWrite()
	// writeClose tells the client that the connection ends, and why.
	writeClose(code int, text string, deadline time.Time)
	// close releases the connection.
	close()
}

// A controlLimiter is a transport whose client may send control frames
// of its own, as a WebSocket's pings and pongs, which cost the reader and,
// for pings, a pong each: they count against the event rate too.
type controlLimiter interface {
	// limitControl has allow decide, for each control frame, whether it
	// is within the limit; a ping over it is not answered, and the read
	// in progress ends within closeGrace. allow is called from
	// readMessage, on the reader's goroutine.
	limitControl(allow func() bool)
}

// A WebSocket frame larger than pieceThreshold is written as a fragmented
// message of pieceSize pieces, and no piece is started once the write's
// deadline has passed or the write was aborted: a client found too slow
// while a large frame was on its way gets the close frame between two
// fragments (RFC 6455 §5.4 allows control frames there), instead of a
// frame cut short. A piece in progress gets closeGrace past the deadline.
const (
	pieceThreshold = 64 << 10
	pieceSize      = 32 << 10
)

// errGaveUp is the error of a frame abandoned between two pieces.
var errGaveUp = errors.New("channel: write abandoned between two pieces of a frame")

// wsTransport is a transport over an upgraded WebSocket.
type wsTransport struct {
	ws      *websocket.Conn
	aborted atomic.Bool // abortWrite was called
}

func (t *wsTransport) readMessage(deadline time.Time) (int, []byte, error) {
	if err := t.ws.SetReadDeadline(deadline); err != nil {
		return 0, nil, err
	}
	return t.ws.ReadMessage()
}

func (t *wsTransport) discard(deadline time.Time) {
	if t.ws.SetReadDeadline(deadline) != nil {
		return
	}
	for {
		if _, _, err := t.ws.NextReader(); err != nil {
			return
		}
	}
}

func (t *wsTransport) writeMessage(typ int, data []byte, deadline time.Time) error {
	if t.aborted.Load() {
		return errGaveUp
	}
	if len(data) <= pieceThreshold {
		if err := t.ws.SetWriteDeadline(deadline); err != nil {
			return err
		}
		return t.ws.WriteMessage(typ, data)
	}
	w, err := t.ws.NextWriter(typ)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		if t.aborted.Load() || !time.Now().Before(deadline) {
			// The message stays unfinished: the close frame follows it,
			// and nothing else does.
			return errGaveUp
		}
		if err := t.ws.SetWriteDeadline(deadline.Add(closeGrace)); err != nil {
			return err
		}
		n := min(len(data), pieceSize)
		if _, err := w.Write(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return w.Close()
}

// abortWrite gives the write in progress closeGrace, setting the
// net.Conn's deadline, which may be done from any goroutine; a frame
// written in pieces stops at the next piece, and no other is started.
func (t *wsTransport) abortWrite() {
	t.aborted.Store(true)
	_ = t.ws.NetConn().SetWriteDeadline(time.Now().Add(closeGrace))
}

func (t *wsTransport) writeClose(code int, text string, deadline time.Time) {
	// The error is ErrCloseSent when gorilla or the client closed first.
	_ = t.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), deadline)
}

func (t *wsTransport) close() { t.ws.Close() }

// limitControl sets gorilla's ping and pong handlers, which it calls from
// ReadMessage. An error they returned would end reading for good, and the
// drain with it: a client over the limit is closed by allow, and the read
// deadline lets the reader drain what it still sends for closeGrace.
func (t *wsTransport) limitControl(allow func() bool) {
	// Once over, the deadline is set once: a flood of pings during the
	// drain does not extend it.
	overSet := false
	over := func() {
		if !overSet {
			overSet = true
			_ = t.ws.SetReadDeadline(time.Now().Add(closeGrace))
		}
	}
	t.ws.SetPingHandler(func(data string) error {
		if !allow() {
			over()
			return nil
		}
		// As gorilla's default handler: a pong the connection cannot take
		// now is not an error of the reader.
		err := t.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(closeGrace))
		var ne net.Error
		if errors.Is(err, websocket.ErrCloseSent) || errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	t.ws.SetPongHandler(func(string) error {
		if !allow() {
			over()
		}
		return nil
	})
}
