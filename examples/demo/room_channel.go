package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/templive/templive/live/channel"
)

// RoomChannel is the brief's RoomChannel: "room:lobby" is open to every
// user, "room:<id>" only to its members; "new_msg" is broadcast to the
// room with the sender's user id, and "typing" to everyone but the sender.
type RoomChannel struct {
	cc    *channel.Conn
	user  *UserSocket
	rooms *rooms
}

// Join admits the user to the lobby, or to a room they are a member of.
func (ch *RoomChannel) Join(_ context.Context, _ json.RawMessage) (any, error) {
	roomID := strings.TrimPrefix(ch.cc.Topic(), "room:")
	if roomID == "lobby" || ch.rooms.member(roomID, ch.user.UserID) {
		return nil, nil
	}
	return nil, channel.Refuse("unauthorized")
}

// newMsg is the payload of "new_msg" from the client.
type newMsg struct {
	Body string `json:"body"`
}

// HandleIn handles the room's two client events.
func (ch *RoomChannel) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	switch ev.Name {
	case "new_msg":
		var m newMsg
		if err := ev.Decode(&m); err != nil {
			return channel.ReplyError(map[string]string{"reason": "invalid message"}), nil
		}
		err := ch.cc.Broadcast(ctx, "new_msg", map[string]string{"body": m.Body, "user_id": ch.user.UserID})
		if err != nil {
			return channel.NoReply, fmt.Errorf("broadcast new_msg: %w", err)
		}
		return channel.NoReply, nil
	case "typing":
		err := ch.cc.BroadcastFrom(ctx, "typing", map[string]string{"user_id": ch.user.UserID})
		if err != nil {
			return channel.NoReply, fmt.Errorf("broadcast typing: %w", err)
		}
		return channel.NoReply, nil
	}
	return channel.ReplyError(map[string]string{"reason": "unknown event"}), nil
}

// rooms is the demo's membership rule: an in-memory set of members per
// room. It is safe for concurrent use.
type rooms struct {
	mu      sync.RWMutex // guards members
	members map[string]map[string]bool
}

// demoRooms returns the demo's rooms: users 1 and 2 share room 42.
func demoRooms() *rooms {
	return &rooms{members: map[string]map[string]bool{
		"42": {"1": true, "2": true},
	}}
}

// member reports whether userID may join room roomID.
func (r *rooms) member(roomID, userID string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.members[roomID][userID]
}
