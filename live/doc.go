// Package live is templive's runtime: the WebSocket socket that speaks the
// Phoenix Channels V2 protocol, channels for custom bidirectional
// protocols, signed tokens, and the live views that ride on the same
// socket.
//
// # Sockets
//
// A [Socket] is an [http.Handler] mounted at a path such as "/socket". It
// upgrades "/socket/websocket?vsn=2.0.0", calls [SocketOptions.Connect]
// with the connect params and request ([ConnectInfo]) to accept the
// connection with a typed state, or refuse it with HTTP 403, and routes
// each phx_join to the [Channel] registered for the topic:
//
//	sock := live.NewSocket(live.SocketOptions[*UserSocket]{
//		Connect: func(ctx context.Context, info *live.ConnectInfo) (*UserSocket, error) { … },
//		ID:      func(u *UserSocket) string { return "user_socket:" + u.ID },
//		PubSub:  ps,
//	})
//	sock.Channel("room:*", func(cc *live.ChannelConn, u *UserSocket) live.Channel {
//		return &RoomChannel{cc: cc, user: u}
//	})
//	mux.Handle("/socket/", sock)
//	defer sock.Shutdown(ctx)
//
// The official phoenix npm client connects unchanged, with connect params
// or its authToken option.
//
// # Channels
//
// Each joined topic runs its [Channel]'s callbacks on its own goroutine,
// one at a time: [Channel.Join], [Channel.HandleIn] for client events,
// [InfoHandler.HandleInfo] for PubSub messages and [Terminator.Terminate]
// at the end. A panic crashes that channel only; the client receives
// phx_error and rejoins. Broadcasts on a channel's topic are encoded once
// and the same frame is written to every subscribed connection.
//
// # Concurrency and limits
//
// Every connection has one reader and one writer goroutine; all writes go
// through a bounded queue, and a client too slow to drain it is
// disconnected (close code 1008). Frame size, channels per connection,
// queue sizes and timeouts are fields of [SocketOptions]. [Socket.Shutdown]
// closes every connection with code 1001 and waits for every goroutine.
//
// # Tokens
//
// A [Signer] signs and verifies data in the manner of Phoenix.Token:
// [SignToken] and [VerifyToken] carry typed data, and [Signer.Verify]
// distinguishes [ErrTokenExpired] from [ErrTokenInvalid].
package live
