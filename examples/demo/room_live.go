package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/presence"
)

// RoomMeta is what the room tracks for each user present, the brief's
// %{online_at: …, typing: false}.
type RoomMeta struct {
	OnlineAt string `json:"online_at"`
	Typing   bool   `json:"typing"`
}

// typing reports whether any of a user's tabs is typing.
func typing(p presence.Presence[RoomMeta]) bool {
	for _, m := range p.Metas {
		if m.Value.Typing {
			return true
		}
	}
	return false
}

// typingFor is how long "typing…" lasts after the last keystroke.
const typingFor = 3 * time.Second

// presenceEvery is the least time between two presence updates a room
// sends one listener, a view or a Channels client: the changes of a
// burst within it reach the listener merged, as one diff, so that a
// flood of joins and leaves costs each listener a few small updates.
// The first change after a quiet while goes at once.
const presenceEvery = 100 * time.Millisecond

// ChatMessage is a message said in a room, shown as a stream item.
type ChatMessage struct {
	ID   int64
	From string
	Body string
}

// stopTyping is the view's own timer message: clear "typing…" unless the
// user typed again since (seq tells).
type stopTyping struct{ seq int }

// RoomLive is the brief's RoomLive: who is online in a room, who is
// typing, and the room's messages, which it exchanges with RoomChannel's
// clients over the same PubSub topic.
type RoomLive struct {
	RoomID    string
	User      string
	Presences presence.Presences[RoomMeta]
	Messages  *live.Stream[ChatMessage]
	Draft     string
	Problem   string // why the last message was not said

	tracker   *presence.Tracker[RoomMeta]
	presences *presence.Batch[RoomMeta] // the diffs not yet in Presences
	due       bool                      // a presenceDue is on its way
	rooms     *rooms
	limits    *limits
	nextID    int64
	topic     string
	typing    bool
	seq       int
}

// SetUser takes the signed-in user from the members' mount hook
// (requireSignIn), which has sent everyone else to the sign-in page.
func (v *RoomLive) SetUser(name string) { v.User = name }

// Mount refuses a user who is not a member of the room; once connected,
// it subscribes to the room's topic and tracks the user there.
func (v *RoomLive) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.RoomID = params.Get("id")
	if !v.rooms.member(v.RoomID, v.User) {
		s.PutFlash("error", "That room is for its members only.")
		s.Redirect("/")
		return nil
	}
	v.topic = "room:" + v.RoomID
	v.Messages = live.NewStream(s, "messages", func(m ChatMessage) string { return "msg-" + strconv.FormatInt(m.ID, 10) })
	v.Messages.SetLimit(-100)
	s.SetTitle("Room " + v.RoomID + " · templive demo")
	var list presence.Presences[RoomMeta]
	if s.Connected() {
		// Each join tracks the user in the room, which every member hears
		// of: joins share the user's presence allowance with the Channels
		// page's, and the client retries a refused one with backoff.
		if !v.limits.presence.Allow(v.User) {
			return channel.Refuse("rate limited")
		}
		// Subscribed before the list, so that no change falls between the
		// two; the batch skips the diffs the list already holds.
		if err := s.Subscribe(v.topic); err != nil {
			return err
		}
		meta := RoomMeta{OnlineAt: strconv.FormatInt(time.Now().Unix(), 10)}
		if _, err := v.tracker.Track(s.Context(), v.topic, v.User, meta); err != nil {
			return err
		}
		var err error
		if list, v.presences, err = v.tracker.ListBatch(ctx, v.topic, presenceEvery); err != nil {
			return err
		}
	} else {
		var err error
		if list, err = v.tracker.List(ctx, v.topic); err != nil {
			return err
		}
	}
	if list == nil {
		list = presence.Presences[RoomMeta]{}
	}
	v.Presences = list
	return nil
}

// Render shows the room.
func (v *RoomLive) Render() templ.Component { return roomView(v) }

// HandleEvent sends a message on submit and marks the user typing while
// they type.
func (v *RoomLive) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "typing":
		// The view keeps no more of a draft than it could send.
		v.Draft = clip(ev.Value("body"), maxMessageChars)
		v.seq++
		s.SendAfter(typingFor, stopTyping{v.seq})
		return v.setTyping(s, true)
	case "say":
		body, problem := sayable(ev.Value("body"))
		switch problem {
		case reasonEmptyMessage:
			return nil
		case reasonMessageTooLong:
			v.Draft = clip(body, maxMessageChars)
			v.Problem = fmt.Sprintf("A message has at most %d characters.", maxMessageChars)
			return nil
		}
		if !v.limits.chat.Allow(v.User) {
			v.Draft, v.Problem = body, "You are sending messages too fast; wait a moment."
			return nil
		}
		v.Draft, v.Problem = "", ""
		b, err := channel.NewBroadcast(v.topic, "new_msg", map[string]string{"body": body, "user_id": v.User})
		if err != nil {
			return err
		}
		if err := s.PubSub().Broadcast(ctx, v.topic, b); err != nil {
			return fmt.Errorf("say: %w", err)
		}
		return v.setTyping(s, false)
	}
	return nil
}

// Lagged catches up after a burst overflowed the view's mailbox: the list
// of who is online is read again, with a batch that starts from it, and
// this tab's "typing…", whose timer may have been lost, is cleared, as is
// a presenceDue that may have been. Messages said meanwhile are lost to
// this tab; the ones it shows stay, since the view is not remounted.
func (v *RoomLive) Lagged(ctx context.Context, s *live.Socket, dropped uint64) error {
	list, batch, err := v.tracker.ListBatch(ctx, v.topic, presenceEvery)
	if err != nil {
		return err
	}
	if list == nil {
		list = presence.Presences[RoomMeta]{}
	}
	v.Presences, v.presences, v.due = list, batch, false
	v.seq++
	return v.setTyping(s, false)
}

// setTyping updates the user's meta in this tab, if it changes.
func (v *RoomLive) setTyping(s *live.Socket, on bool) error {
	if v.typing == on {
		return nil
	}
	v.typing = on
	_, err := v.tracker.UpdateFunc(s.Context(), v.topic, v.User, func(m RoomMeta) RoomMeta {
		m.Typing = on
		return m
	})
	return err
}

// HandleInfo follows presence diffs and the room's messages, whether a
// view or a Channels client sent them.
func (v *RoomLive) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch m := msg.(type) {
	case presence.Diff[RoomMeta]:
		if v.presences != nil {
			v.presences.Add(m)
			v.syncPresences(s)
		}
	case presenceDue:
		v.due = false
		v.syncPresences(s)
	case *channel.Broadcast:
		if m.Event != "new_msg" {
			return nil
		}
		var p struct {
			Body   string `json:"body"`
			UserID string `json:"user_id"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			return nil // a message we cannot read is not shown
		}
		if _, problem := sayable(p.Body); problem != "" {
			return nil // nor one that no sender of ours would have sent
		}
		v.nextID++
		v.Messages.Insert(ChatMessage{ID: v.nextID, From: p.UserID, Body: p.Body})
	case stopTyping:
		if m.seq == v.seq {
			return v.setTyping(s, false)
		}
	}
	return nil
}

// syncPresences applies the presence diffs gathered since the last time
// as one, or, within presenceEvery of it, sends the view a presenceDue
// for then.
func (v *RoomLive) syncPresences(s *live.Socket) {
	d, wait, ok := v.presences.Take(time.Now())
	if ok {
		v.Presences.Sync(d)
		return
	}
	if wait > 0 && !v.due {
		v.due = true
		s.SendAfter(wait, presenceDue{})
	}
}
