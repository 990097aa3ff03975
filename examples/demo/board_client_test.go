package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
)

// boardClient is a Phoenix Channels V2 client of one board, as board.js
// is: it pushes cursors (binary or JSON) and strokes, and decodes what
// the server sends, text or binary frames. Its methods return errors
// rather than failing a test, so that load drivers can use it from their
// own goroutines. One goroutine reads; writes may come from any.
type boardClient struct {
	ws      *websocket.Conn
	topic   string
	joinRef string

	mu  sync.Mutex // guards ref and writes to ws
	ref int
}

// boardFrame is a frame from the server, decoded.
type boardFrame struct {
	Event   string
	Ref     string
	Size    int  // bytes on the wire
	Binary  bool // a binary frame
	Payload json.RawMessage
	Cursors []boardCursor   // of "cursors"
	Stroke  *boardStrokeOut // of "stroke"
}

// dialBoard connects to the /socket of base (http://host:port) with the
// user socket token tok.
func dialBoard(base, tok string) (*boardClient, error) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket/websocket?vsn=2.0.0&token=" + url.QueryEscape(tok)
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", base, err)
	}
	return &boardClient{ws: ws}, nil
}

// close closes the connection.
func (c *boardClient) close() { c.ws.Close() }

// send writes a text frame and returns its ref.
func (c *boardClient) send(joinRef, topic, event string, payload any) (string, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ref++
	ref := strconv.Itoa(c.ref)
	if event == "phx_join" {
		joinRef = ref
	}
	msg := wire.Frame{JoinRef: joinRef, Ref: ref, Topic: topic, Event: event, Payload: p}.AppendJSON(nil)
	return ref, c.ws.WriteMessage(websocket.TextMessage, msg)
}

// join joins topic, asking for binary "cursors" frames or not, and reads
// until the reply.
func (c *boardClient) join(topic string, binaryCursors bool) error {
	ref, err := c.send("", topic, "phx_join", boardJoin{Binary: binaryCursors})
	if err != nil {
		return err
	}
	for {
		f, err := c.read(10 * time.Second)
		if err != nil {
			return fmt.Errorf("join %s: %w", topic, err)
		}
		if f.Event != wire.ServerReply || f.Ref != ref {
			continue
		}
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			return err
		}
		if r.Status != "ok" {
			return fmt.Errorf("join %s: %s %s", topic, r.Status, r.Response)
		}
		c.topic, c.joinRef = topic, ref
		return nil
	}
}

// cursor pushes the pointer's position, in a binary frame as board.js
// does, or as JSON.
func (c *boardClient) cursor(x, y uint16, binaryFrame bool) error {
	if !binaryFrame {
		_, err := c.send(c.joinRef, c.topic, "cursor", map[string]uint16{"x": x, "y": y})
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ref++
	ref := strconv.Itoa(c.ref)
	// Kind 0 (push), the lengths of join_ref, ref, topic and event, the
	// fields, then x and y.
	b := []byte{0, byte(len(c.joinRef)), byte(len(ref)), byte(len(c.topic)), byte(len("cursor"))}
	b = append(b, c.joinRef...)
	b = append(b, ref...)
	b = append(b, c.topic...)
	b = append(b, "cursor"...)
	b = binary.BigEndian.AppendUint16(b, x)
	b = binary.BigEndian.AppendUint16(b, y)
	return c.ws.WriteMessage(websocket.BinaryMessage, b)
}

// stroke pushes points of stroke id.
func (c *boardClient) stroke(id uint32, points []uint16) (string, error) {
	return c.send(c.joinRef, c.topic, "stroke", boardStroke{S: id, P: points})
}

// read reads and decodes the next frame, waiting at most d.
func (c *boardClient) read(d time.Duration) (boardFrame, error) {
	c.ws.SetReadDeadline(time.Now().Add(d))
	typ, data, err := c.ws.ReadMessage()
	if err != nil {
		return boardFrame{}, err
	}
	if typ == websocket.BinaryMessage {
		return decodeBoardBinary(data)
	}
	f, err := wire.DecodeFrame(data)
	if err != nil {
		return boardFrame{}, err
	}
	bf := boardFrame{Event: f.Event, Ref: f.Ref, Size: len(data), Payload: f.Payload}
	switch f.Event {
	case "cursors":
		var p struct{ C [][3]json.RawMessage }
		if err := json.Unmarshal(f.Payload, &p); err != nil {
			return bf, fmt.Errorf("cursors: %w", err)
		}
		for _, e := range p.C {
			var bc boardCursor
			if err := errors.Join(json.Unmarshal(e[0], &bc.User), json.Unmarshal(e[1], &bc.X), json.Unmarshal(e[2], &bc.Y)); err != nil {
				return bf, fmt.Errorf("cursors: %w", err)
			}
			bf.Cursors = append(bf.Cursors, bc)
		}
	case "stroke":
		bf.Stroke = new(boardStrokeOut)
		if err := json.Unmarshal(f.Payload, bf.Stroke); err != nil {
			return bf, fmt.Errorf("stroke: %w", err)
		}
	}
	return bf, nil
}

// decodeBoardBinary decodes a binary push from the server: kind 0, the
// lengths of join_ref, topic and event, the fields, the payload; only
// "cursors" is sent so.
func decodeBoardBinary(data []byte) (boardFrame, error) {
	if len(data) < 4 || data[0] != 0 {
		return boardFrame{}, errors.New("binary frame: not a push")
	}
	off := 4 + int(data[1]) + int(data[2])
	end := off + int(data[3])
	if end > len(data) {
		return boardFrame{}, errors.New("binary frame: header overruns")
	}
	f := boardFrame{Event: string(data[off:end]), Size: len(data), Binary: true}
	if f.Event != "cursors" {
		return f, fmt.Errorf("binary frame: unexpected event %q", f.Event)
	}
	p := data[end:]
	for len(p) > 0 {
		n := int(p[0])
		if len(p) < 1+n+4 {
			return f, errors.New("binary cursors: truncated")
		}
		f.Cursors = append(f.Cursors, boardCursor{
			User: string(p[1 : 1+n]),
			X:    binary.BigEndian.Uint16(p[1+n:]),
			Y:    binary.BigEndian.Uint16(p[3+n:]),
		})
		p = p[5+n:]
	}
	return f, nil
}
