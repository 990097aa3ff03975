package channel

import (
	"errors"
	"io"
	"net"
	"sync"
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
	ws        *websocket.Conn
	readLimit int64 // the largest frame read, inflated
	// deflateFrom is the size from which frames are deflated, when the
	// client took permessage-deflate; -1 when it did not, or compression
	// is off, and then nothing is inflated either.
	deflateFrom int
	aborted     atomic.Bool // abortWrite was called
	// writing is set while writeMessage runs: an abort then holds its
	// deadline on the connection until the write returns (see
	// holdDeadline). It is cleared under holdMu, so that no deadline of
	// the abort's is set once the write has returned, on the close frame
	// that follows it.
	writing atomic.Bool
	holdMu  sync.Mutex
}

func (t *wsTransport) readMessage(deadline time.Time) (int, []byte, error) {
	if err := t.ws.SetReadDeadline(deadline); err != nil {
		return 0, nil, err
	}
	typ, r, err := t.ws.NextReader()
	if err != nil {
		return typ, nil, err
	}
	if t.deflateFrom < 0 {
		// Nothing is inflated: gorilla's read limit holds.
		data, err := readFrame(r)
		return typ, data, err
	}
	// gorilla bounds a frame's length on the wire, which for a deflated
	// frame is up to a thousandth of what it inflates to: the bound
	// applies to the inflated bytes too, so that a small frame cannot
	// take a gigabyte of memory.
	data, err := readFrame(&io.LimitedReader{R: r, N: t.readLimit + 1})
	if err == nil && int64(len(data)) > t.readLimit {
		return 0, nil, websocket.ErrReadLimit
	}
	return typ, data, err
}

// Frames are read into a scratch buffer borrowed from scratchPool for the
// read alone, then copied out at their exact size. gorilla's ReadMessage
// reads with io.ReadAll, whose slice starts at 512 bytes and doubles, each
// time copying what it holds and reading through the connection's small
// buffer (readBufferSize, kept small for idle connections): an upload's
// 256 KiB chunk took ten allocations and hundreds of 1 KiB reads. A
// scratch buffer at least as large as the connection's buffer is read into
// directly, in reads as large as the kernel gives, and one allocation
// remains. An idle connection, blocked in NextReader, holds no scratch
// buffer. Buffers that grew past maxPooledScratch are left to the GC.
const (
	scratchSize      = 32 << 10
	maxPooledScratch = 1 << 20
)

var scratchPool = sync.Pool{New: func() any {
	b := make([]byte, 0, scratchSize)
	return &b
}}

// readFrame reads r to its end and returns what it read in a new slice of
// that length.
func readFrame(r io.Reader) ([]byte, error) {
	bp := scratchPool.Get().(*[]byte)
	b := (*bp)[:0]
	var err error
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // grows the capacity
		}
		var n int
		n, err = r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			break
		}
	}
	data := make([]byte, len(b))
	copy(data, b)
	if cap(b) <= maxPooledScratch {
		*bp = b
		scratchPool.Put(bp)
	}
	if err == io.EOF {
		err = nil
	}
	return data, err
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
	// writing is set before aborted is read, and abortWrite sets aborted
	// before it reads writing: an abort is seen here, or it sees this
	// write.
	t.writing.Store(true)
	defer t.endWrite()
	if t.aborted.Load() {
		return errGaveUp
	}
	if t.deflateFrom >= 0 {
		deflate := len(data) >= t.deflateFrom
		t.ws.EnableWriteCompression(deflate)
		if deflate {
			return t.writeDeflated(typ, data, deadline)
		}
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

// writeDeflated deflates a frame in memory, then writes it: gorilla's
// compressor, some hundreds of kilobytes, goes back to its pool before the
// network write, instead of staying with the connection for as long as a
// slow client takes to read the frame. The frame is written whole, however
// large: deflated, it is a fraction of its size, and abortWrite still ends
// the write.
func (t *wsTransport) writeDeflated(typ int, data []byte, deadline time.Time) error {
	pm, err := websocket.NewPreparedMessage(typ, data)
	if err != nil {
		return err
	}
	if err := t.ws.SetWriteDeadline(deadline); err != nil {
		return err
	}
	return t.ws.WritePreparedMessage(pm)
}

// abortWrite gives the write in progress closeGrace, setting the
// net.Conn's deadline, which may be done from any goroutine; a frame
// written in pieces stops at the next piece, and no other is started.
func (t *wsTransport) abortWrite() {
	t.aborted.Store(true)
	until := time.Now().Add(closeGrace)
	_ = t.ws.NetConn().SetWriteDeadline(until)
	if t.writing.Load() {
		go t.holdDeadline(until)
	}
}

// holdDeadline sets the connection's write deadline to until again and
// again while a write is in progress. gorilla sets the deadline of a
// write itself when it starts writing to the connection, which overrides
// an abort that came after writeMessage checked aborted: for a deflated
// frame that window is the whole compression, seconds for a large frame,
// and the write would then wait on a slow client up to its own deadline.
func (t *wsTransport) holdDeadline(until time.Time) {
	tick := time.NewTicker(closeGrace / 20)
	defer tick.Stop()
	for {
		t.holdMu.Lock()
		writing := t.writing.Load()
		if writing {
			_ = t.ws.NetConn().SetWriteDeadline(until)
		}
		t.holdMu.Unlock()
		if !writing {
			return
		}
		<-tick.C
	}
}

// endWrite ends writeMessage: holdDeadline sets no deadline after it.
func (t *wsTransport) endWrite() {
	t.holdMu.Lock()
	t.writing.Store(false)
	t.holdMu.Unlock()
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
