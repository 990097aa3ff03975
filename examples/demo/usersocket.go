package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/token"
)

// userSocketSalt separates the tokens of the user socket from every other
// token signed with the same secret.
const userSocketSalt = "user socket"

// userTokenMaxAge is how long a user socket token stays valid, as in the
// brief's UserSocket.
const userTokenMaxAge = 24 * time.Hour

// errNoToken refuses a connection that carries no token at all.
var errNoToken = errors.New("demo: no token")

// UserSocket is the state of one connection to /socket: who connected.
type UserSocket struct {
	UserID string
}

// socketID names every socket of one user, so that the server can
// disconnect them all (the brief's id/1).
func (u *UserSocket) socketID() string { return "user_socket:" + u.UserID }

// channels is the brief's UserSocket with its channels: the socket mounted
// at /socket and the signer of its tokens.
type channels struct {
	sock    *channel.Socket[*UserSocket]
	signer  *token.Signer
	rooms   *rooms
	tracker *presence.Tracker[RoomMeta]
	limits  *limits
}

// channelFramesPerSecond bounds the frames one connection to /socket
// sends, heartbeats included, in bursts of twice as many: a connection
// over it is closed.
const channelFramesPerSecond = 50

// channelOptions configures the channels of the demo.
type channelOptions struct {
	PubSub      *pubsub.PubSub
	Signer      *token.Signer
	Tracker     *presence.Tracker[RoomMeta]
	Limits      *limits
	Logger      *slog.Logger
	IdleTimeout time.Duration    // 0 for the socket's default
	Observer    channel.Observer // the socket's; nil for none
	Compression channel.Compression
}

// newChannels builds the user socket and routes "room:*" to RoomChannel.
func newChannels(opts channelOptions) *channels {
	c := &channels{signer: opts.Signer, rooms: demoRooms(), tracker: opts.Tracker, limits: opts.Limits}
	c.sock = channel.NewSocket(channel.SocketOptions[*UserSocket]{
		Connect: c.connect,
		ID:      (*UserSocket).socketID,
		PubSub:  opts.PubSub,
		Logger:  opts.Logger,
		// The library's default, as Phoenix's, is no limit on the frames
		// a connection sends; the demo's people send far fewer than this,
		// a script more.
		Limits:      channel.Limits{IdleTimeout: opts.IdleTimeout, EventsPerSecond: channelFramesPerSecond},
		Observer:    opts.Observer,
		Compression: opts.Compression,
	})
	c.sock.Channel("room:*", func(cc *channel.Conn, u *UserSocket) channel.Channel {
		return &RoomChannel{cc: cc, user: u, rooms: c.rooms, tracker: c.tracker, limits: c.limits}
	})
	return c
}

// connect verifies the token, sent as the "token" connect param or as the
// phoenix client's authToken, and refuses the connection without a valid
// one.
func (c *channels) connect(_ context.Context, info *channel.ConnectInfo) (*UserSocket, error) {
	tok := info.Params.Get("token")
	if tok == "" {
		tok = info.AuthToken
	}
	if tok == "" {
		return nil, errNoToken
	}
	userID, err := token.Verify[string](c.signer, userSocketSalt, tok, userTokenMaxAge)
	if err != nil {
		return nil, err
	}
	return &UserSocket{UserID: userID}, nil
}

// mount serves the socket at /socket.
func (c *channels) mount(mux *http.ServeMux) {
	mux.Handle("/socket/", c.sock)
}

// shutdown closes every connection and waits for them.
func (c *channels) shutdown(ctx context.Context) error {
	return c.sock.Shutdown(ctx)
}
