package main

import (
	"strings"

	"github.com/templive/templive/live"
)

// limits are the demo's allowances per user for what one user's action
// costs everyone else: a chat message or a post reaches every viewer, a
// typing flag or a join every member of the room. The live socket already
// bounds each connection's events (live.Options.EventsPerSecond); these
// bound a user, across tabs, connections, and the live and Channels pages
// alike. They are generous for a person and stop a script.
type limits struct {
	chat     *live.RateLimiter // messages said in a room: 1 a second, bursts of 5
	posts    *live.RateLimiter // posts written, edited or deleted: 1 every 2 s, bursts of 5
	presence *live.RateLimiter // joins to a room channel and typing changes: 2 a second, bursts of 10
}

func newLimits() *limits {
	return &limits{
		chat:     live.NewRateLimiter(1, 5),
		posts:    live.NewRateLimiter(0.5, 5),
		presence: live.NewRateLimiter(2, 10),
	}
}

// roomEvent reports whether user may send a RoomChannel client event now.
func (l *limits) roomEvent(user, event string) bool {
	switch {
	case event == "new_msg":
		return l.chat.Allow(user)
	case strings.HasPrefix(event, "typing"):
		return l.presence.Allow(user)
	}
	return true
}
