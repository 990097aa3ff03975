package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// RoomChannel is the brief's RoomChannel: "room:lobby" and the public
// rooms are open to every user, the others only to their members;
// "new_msg" is broadcast to the room with the sender's user id, and
// "typing" to everyone but the sender. After the join it tracks the user's
// presence with {online_at, typing: false} and pushes presence_state;
// "typing:start" and "typing:stop" update that meta, and every change
// reaches everyone on the topic as presence_diff, a burst of changes as
// one diff at most every presenceEvery.
type RoomChannel struct {
	cc      *channel.Conn
	user    *UserSocket
	rooms   *rooms
	tracker *presence.Tracker[RoomMeta]
	limits  *limits

	presences *presence.Batch[RoomMeta] // the diffs not yet pushed
	due       *time.Timer               // set while the batch waits for its interval
}

// presenceDue is the channel's own timer message: the presence diffs held
// back for presenceEvery may go.
type presenceDue struct{}

// Join admits the user to the lobby, or to a room they may enter, and
// tracks them there. The presence is owned by the channel's context, so it
// leaves every list when the channel ends, however it ends.
func (ch *RoomChannel) Join(ctx context.Context, _ json.RawMessage) (any, error) {
	roomID := strings.TrimPrefix(ch.cc.Topic(), "room:")
	if roomID != "lobby" && !ch.rooms.member(roomID, ch.user.UserID) {
		return nil, channel.Refuse("unauthorized")
	}
	if !ch.limits.presence.Allow(ch.user.UserID) {
		return nil, channel.Refuse("rate limited")
	}
	if ch.tracker == nil {
		return nil, nil
	}
	// Subscribed before the list, so that no change falls between the two;
	// the batch skips the diffs the list already holds.
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
	// Pushed after the join reply, as Phoenix's :after_join does.
	if err := ch.cc.Push("presence_state", list); err != nil {
		return nil, err
	}
	return nil, nil
}

// HandleInfo gathers the room's presence diffs; Drained pushes them.
func (ch *RoomChannel) HandleInfo(_ context.Context, msg pubsub.Message) error {
	switch m := msg.Payload.(type) {
	case presence.Diff[RoomMeta]:
		if ch.presences != nil {
			ch.presences.Add(m)
		}
	case presenceDue:
		ch.due = nil
	}
	return nil
}

// Lagged catches up after a burst overflowed the channel's mailbox: the
// presence diffs it missed are replaced by the whole list, as a
// presence_state, which the client's Presence takes as the new state, and
// the batch starts again from that list. Messages said meanwhile are lost
// to this client; the ones it shows stay.
func (ch *RoomChannel) Lagged(ctx context.Context, dropped uint64) error {
	if ch.tracker == nil {
		return nil
	}
	list, batch, err := ch.tracker.ListBatch(ctx, ch.cc.Topic(), presenceEvery)
	if err != nil {
		return fmt.Errorf("list presences: %w", err)
	}
	ch.presences = batch
	// The timer's message may have been discarded with the rest.
	ch.stopTimer()
	return ch.cc.Push("presence_state", list)
}

// Drained pushes the presence diffs gathered since the last push as one,
// or, within presenceEvery of it, sets a timer to push them then.
func (ch *RoomChannel) Drained(context.Context) error {
	if ch.presences == nil {
		return nil
	}
	d, wait, ok := ch.presences.Take(time.Now())
	if ok {
		err := ch.cc.Push("presence_diff", d)
		if errors.Is(err, channel.ErrClosed) || errors.Is(err, channel.ErrSlowClient) {
			return nil // the connection is closing
		}
		return err
	}
	if wait > 0 && ch.due == nil {
		mailbox, topic := ch.cc.Mailbox(), ch.cc.Topic()
		ch.due = time.AfterFunc(wait, func() { mailbox.Send(pubsub.Message{Topic: topic, Payload: presenceDue{}}) })
	}
	return nil
}

// Terminate stops the presence timer.
func (ch *RoomChannel) Terminate(error) {
	ch.stopTimer()
}

func (ch *RoomChannel) stopTimer() {
	if ch.due != nil {
		ch.due.Stop()
		ch.due = nil
	}
}

// setTyping updates the user's presence meta on this channel.
func (ch *RoomChannel) setTyping(ctx context.Context, on bool) (channel.Reply, error) {
	if ch.tracker == nil {
		return channel.ReplyReason("no presence"), nil
	}
	_, err := ch.tracker.UpdateFunc(ctx, ch.cc.Topic(), ch.user.UserID, func(m RoomMeta) RoomMeta {
		m.Typing = on
		return m
	})
	if err != nil {
		return channel.NoReply, fmt.Errorf("update presence: %w", err)
	}
	return channel.ReplyOK(nil), nil
}

// unsayable is the response of the error reply to a message nobody may
// read: {"max_chars": 2000, "reason": …}.
type unsayable struct {
	MaxChars int    `json:"max_chars"`
	Reason   string `json:"reason"`
}

// newMsg is the payload of "new_msg" from the client.
type newMsg struct {
	Body string `json:"body"`
}

// HandleIn handles the room's client events. A message that is empty or
// longer than maxMessageChars gets an error reply, {"reason": …,
// "max_chars": 2000}, and reaches nobody.
func (ch *RoomChannel) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	if !ch.limits.roomEvent(ch.user.UserID, ev.Name) {
		return channel.ReplyReason("rate limited"), nil
	}
	switch ev.Name {
	case "new_msg":
		var m newMsg
		if err := ev.Decode(&m); err != nil {
			return channel.ReplyReason("invalid message"), nil
		}
		body, problem := sayable(m.Body)
		if problem != "" {
			return channel.ReplyError(unsayable{MaxChars: maxMessageChars, Reason: problem}), nil
		}
		err := ch.cc.Broadcast(ctx, "new_msg", map[string]string{"body": body, "user_id": ch.user.UserID})
		if err != nil {
			return channel.NoReply, fmt.Errorf("broadcast new_msg: %w", err)
		}
		return channel.NoReply, nil
	case "typing:start":
		return ch.setTyping(ctx, true)
	case "typing:stop":
		return ch.setTyping(ctx, false)
	case "typing":
		err := ch.cc.BroadcastFrom(ctx, "typing", map[string]string{"user_id": ch.user.UserID})
		if err != nil {
			return channel.NoReply, fmt.Errorf("broadcast typing: %w", err)
		}
		return channel.NoReply, nil
	}
	return channel.ReplyReason("unknown event"), nil
}

// rooms is the demo's membership rule: an in-memory set of members per
// room. It is safe for concurrent use.
type rooms struct {
	mu      sync.RWMutex // guards public, members
	public  map[string]bool
	members map[string]map[string]bool
}

// demoRooms returns the demo's rooms: 1, 2 and 3 are public, and users 1
// and 2 share the private room 42.
func demoRooms() *rooms {
	return &rooms{
		public: map[string]bool{"lobby": true, "1": true, "2": true, "3": true},
		members: map[string]map[string]bool{
			"42": {"1": true, "2": true},
		},
	}
}

// member reports whether userID may enter room roomID.
func (r *rooms) member(roomID, userID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.public[roomID] || r.members[roomID][userID]
}
