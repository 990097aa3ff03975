package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// The multiplayer board: a Channels page (not a live view) where every
// participant's cursor and strokes reach the others as they move. What
// it needs is latency, not markup, so the browser draws and the server
// only relays.
//
// Cursors are the hot path. A client sends its position at most once per
// animation frame, as a 4-byte binary push ("cursor": x, y, big-endian
// uint16 in board units, 0xFFFF when the pointer left the board), which
// also takes a sixteenth of a rate-limit token where a text frame takes a
// whole one. Each position is broadcast on the board's topic as a
// boardCursor, so it reaches every node; each participant's channel keeps
// only the latest position of every other participant and pushes what
// changed as one "cursors" frame at most every boardCursorEvery: with 50
// people moving, a client gets at most 60 frames a second, not 50 × 60.
//
// Strokes must not be coalesced: a "stroke" push carries the points drawn
// since the last one ({"s": stroke id, "p": [x0, y0, x1, y1, …]}) and is
// broadcast to the others as it came, with the author's name added.
const (
	// boardCursorEvery is the shortest interval between two "cursors"
	// pushes to one client.
	boardCursorEvery = 16 * time.Millisecond
	// boardCursorGone is the coordinate of a pointer that left the board.
	boardCursorGone = 0xFFFF
	// maxStrokePoints bounds the points of one "stroke" push.
	maxStrokePoints = 64
)

// boardTopicPrefix starts the topic of every board.
const boardTopicPrefix = "board:"

// boardID is what may follow boardTopicPrefix.
var boardID = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// boardCursor is a participant's new cursor position, broadcast on the
// board's topic to the channels of the others, on every node. X and Y are
// in board units (0 to 65534), or boardCursorGone.
type boardCursor struct {
	User string `json:"u"`
	X    uint16 `json:"x"`
	Y    uint16 `json:"y"`
}

// boardDue is the channel's own timer message: the presence diffs or
// cursor positions held back for their interval may go.
type boardDue struct{}

// boardLimits are the allowances of one user on the boards, across their
// tabs: twice a 60 Hz pointer for cursors and strokes alike.
type boardLimits struct {
	cursors *live.RateLimiter
	strokes *live.RateLimiter
}

func newBoardLimits() *boardLimits {
	return &boardLimits{
		cursors: live.NewRateLimiter(120, 240),
		strokes: live.NewRateLimiter(120, 240),
	}
}

// mountBoard routes "board:*" on the user socket to BoardChannel and
// names boardCursor for crossing nodes; boardHandler serves the page.
func mountBoard(c *channels, ps *pubsub.PubSub) error {
	if err := pubsub.Register[boardCursor](ps, "demo.boardCursor"); err != nil {
		return fmt.Errorf("register board messages: %w", err)
	}
	lim := newBoardLimits()
	c.sock.Channel(boardTopicPrefix+"*", func(cc *channel.Conn, u *UserSocket) channel.Channel {
		return &BoardChannel{cc: cc, user: u, tracker: c.tracker, join: c.limits.presence, limits: lim}
	})
	return nil
}

// BoardChannel is one participant of a board: it relays their cursor and
// strokes to the others, tracks their presence, and pushes the others'
// cursors coalesced and their presence diffs batched.
type BoardChannel struct {
	cc      *channel.Conn
	user    *UserSocket
	tracker *presence.Tracker[RoomMeta]
	join    *live.RateLimiter // joins, shared with the rooms
	limits  *boardLimits

	// binary is the join's choice of encoding for "cursors" pushes.
	binary    bool
	presences *presence.Batch[RoomMeta] // the diffs not yet pushed
	// cursors holds the latest position of each other participant not
	// yet pushed, in the order they first moved since the last push.
	cursors    []boardCursor
	cursorAt   map[string]int // user → index in cursors
	lastCursor time.Time      // when "cursors" was last pushed
	due        *time.Timer    // set while something waits for its interval
}

// boardJoin is the payload of the join: {"binary": true} asks for
// "cursors" in binary frames (see encodeCursorsBinary) rather than JSON.
type boardJoin struct {
	Binary bool `json:"binary"`
}

// Join admits any signed-in user to a board with a valid name, tracks
// them there and pushes the presence list after the reply.
func (ch *BoardChannel) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	if !boardID.MatchString(strings.TrimPrefix(ch.cc.Topic(), boardTopicPrefix)) {
		return nil, channel.Refuse("no such board")
	}
	var p boardJoin
	if len(payload) > 0 {
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, channel.Refuse("invalid join")
		}
	}
	if !ch.join.Allow(ch.user.UserID) {
		return nil, channel.Refuse("rate limited")
	}
	ch.binary = p.Binary
	ch.cursorAt = map[string]int{}
	// Subscribed before the list, so that no change falls between the two.
	if err := ch.cc.Subscribe(ch.cc.Topic()); err != nil {
		return nil, err
	}
	meta := RoomMeta{OnlineAt: strconv.FormatInt(time.Now().Unix(), 10)}
	if _, err := ch.tracker.Track(ctx, ch.cc.Topic(), ch.user.UserID, meta); err != nil {
		return nil, fmt.Errorf("track %s: %w", ch.user.UserID, err)
	}
	list, batch, err := ch.tracker.ListBatch(ctx, ch.cc.Topic(), presenceEvery)
	if err != nil {
		return nil, fmt.Errorf("list presences: %w", err)
	}
	ch.presences = batch
	if err := ch.cc.Push("presence_state", list); err != nil {
		return nil, err
	}
	return map[string]string{"user_id": ch.user.UserID}, nil
}

// boardStroke is a "stroke" push: the points drawn since the last push of
// stroke S, as x, y pairs in board units.
type boardStroke struct {
	S uint32   `json:"s"`
	P []uint16 `json:"p"`
}

// boardStrokeOut is a stroke as the others receive it.
type boardStrokeOut struct {
	U string   `json:"u"`
	S uint32   `json:"s"`
	P []uint16 `json:"p"`
}

// HandleIn relays the client's cursor and strokes. Neither is answered
// unless it is invalid; beyond the user's allowance they are dropped.
func (ch *BoardChannel) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	switch ev.Name {
	case "cursor":
		x, y, ok := decodeCursor(ev)
		if !ok {
			return channel.ReplyReason("invalid cursor"), nil
		}
		if !ch.limits.cursors.Allow(ch.user.UserID) {
			return channel.NoReply, nil
		}
		msg := boardCursor{User: ch.user.UserID, X: x, Y: y}
		if err := ch.cc.PubSub().BroadcastFrom(ctx, ch.cc.Mailbox(), ch.cc.Topic(), msg); err != nil {
			return channel.NoReply, fmt.Errorf("broadcast cursor: %w", err)
		}
		return channel.NoReply, nil
	case "stroke":
		var s boardStroke
		if err := ev.Decode(&s); err != nil || len(s.P) < 2 || len(s.P)%2 != 0 || len(s.P) > 2*maxStrokePoints {
			return channel.ReplyReason("invalid stroke"), nil
		}
		if !ch.limits.strokes.Allow(ch.user.UserID) {
			return channel.ReplyReason("rate limited"), nil
		}
		err := ch.cc.BroadcastFrom(ctx, "stroke", boardStrokeOut{U: ch.user.UserID, S: s.S, P: s.P})
		if err != nil {
			return channel.NoReply, fmt.Errorf("broadcast stroke: %w", err)
		}
		return channel.NoReply, nil
	}
	return channel.ReplyReason("unknown event"), nil
}

// decodeCursor reads a "cursor" push: 4 bytes in a binary frame, or
// {"x": …, "y": …} in a text one.
func decodeCursor(ev channel.Message) (x, y uint16, ok bool) {
	if ev.Binary != nil {
		if len(ev.Binary) != 4 {
			return 0, 0, false
		}
		return binary.BigEndian.Uint16(ev.Binary), binary.BigEndian.Uint16(ev.Binary[2:]), true
	}
	var p struct{ X, Y uint16 }
	if err := ev.Decode(&p); err != nil {
		return 0, 0, false
	}
	return p.X, p.Y, true
}

// HandleInfo gathers the board's presence diffs and the others' cursor
// positions; Drained pushes them.
func (ch *BoardChannel) HandleInfo(_ context.Context, msg pubsub.Message) error {
	switch m := msg.Payload.(type) {
	case boardCursor:
		if m.User == ch.user.UserID {
			return nil // the user's other tab: this one shows its own pointer
		}
		if i, ok := ch.cursorAt[m.User]; ok {
			ch.cursors[i] = m
			return nil
		}
		ch.cursorAt[m.User] = len(ch.cursors)
		ch.cursors = append(ch.cursors, m)
	case presence.Diff[RoomMeta]:
		ch.presences.Add(m)
	case boardDue:
		ch.due = nil
	}
	return nil
}

// Lagged catches up after the mailbox overflowed: the lost cursor
// positions are superseded by the next ones, and the presence list is
// pushed whole. Lost strokes stay lost, as on a dropped connection.
func (ch *BoardChannel) Lagged(ctx context.Context, _ uint64) error {
	list, batch, err := ch.tracker.ListBatch(ctx, ch.cc.Topic(), presenceEvery)
	if err != nil {
		return fmt.Errorf("list presences: %w", err)
	}
	ch.presences = batch
	ch.stopTimer() // its message may have been discarded with the rest
	return ch.cc.Push("presence_state", list)
}

// Drained pushes the presence diffs and the cursor positions gathered
// since their last push, each at most once per its interval, and sets a
// timer for what must wait.
func (ch *BoardChannel) Drained(context.Context) error {
	now := time.Now()
	var wait time.Duration
	d, pwait, ok := ch.presences.Take(now)
	if ok {
		if err := ch.cc.Push("presence_diff", d); err != nil {
			return ignoreClosing(err)
		}
	}
	wait = pwait
	if len(ch.cursors) > 0 {
		if cwait := boardCursorEvery - now.Sub(ch.lastCursor); cwait > 0 {
			if wait <= 0 || cwait < wait {
				wait = cwait
			}
		} else if err := ch.pushCursors(now); err != nil {
			return ignoreClosing(err)
		}
	}
	if wait > 0 && ch.due == nil {
		mailbox, topic := ch.cc.Mailbox(), ch.cc.Topic()
		ch.due = time.AfterFunc(wait, func() { mailbox.Send(pubsub.Message{Topic: topic, Payload: boardDue{}}) })
	}
	return nil
}

// pushCursors pushes the gathered cursor positions as one "cursors"
// frame and forgets them.
func (ch *BoardChannel) pushCursors(now time.Time) error {
	var payload any
	if ch.binary {
		payload = channel.Binary(encodeCursorsBinary(nil, ch.cursors))
	} else {
		payload = json.RawMessage(encodeCursorsJSON(nil, ch.cursors))
	}
	ch.cursors = ch.cursors[:0]
	clear(ch.cursorAt)
	ch.lastCursor = now
	return ch.cc.Push("cursors", payload)
}

// encodeCursorsJSON appends {"c":[["ada",x,y],…]} to dst. User names are
// validated at sign-in (validName: letters, digits, space, - and _), but
// are escaped as JSON strings anyway.
func encodeCursorsJSON(dst []byte, cs []boardCursor) []byte {
	dst = append(dst, `{"c":[`...)
	for i, c := range cs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		dst = strconv.AppendQuote(dst, c.User)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(c.X), 10)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, uint64(c.Y), 10)
		dst = append(dst, ']')
	}
	return append(dst, "]}"...)
}

// encodeCursorsBinary appends the cursors as binary: for each, the length
// of the user's name in one byte, the name, then x and y as big-endian
// uint16. Names longer than 255 bytes (none pass sign-in) are cut.
func encodeCursorsBinary(dst []byte, cs []boardCursor) []byte {
	for _, c := range cs {
		name := c.User
		if len(name) > 255 {
			name = name[:255]
		}
		dst = append(dst, byte(len(name)))
		dst = append(dst, name...)
		dst = binary.BigEndian.AppendUint16(dst, c.X)
		dst = binary.BigEndian.AppendUint16(dst, c.Y)
	}
	return dst
}

// Terminate stops the timer.
func (ch *BoardChannel) Terminate(error) {
	ch.stopTimer()
}

func (ch *BoardChannel) stopTimer() {
	if ch.due != nil {
		ch.due.Stop()
		ch.due = nil
	}
}

// ignoreClosing turns the errors of a push to a closing connection into
// nil: the channel ends with it anyway.
func ignoreClosing(err error) error {
	if errors.Is(err, channel.ErrClosed) || errors.Is(err, channel.ErrSlowClient) {
		return nil
	}
	return err
}
