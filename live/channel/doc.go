// Package channel is templive's WebSocket transport: a socket that speaks
// the Phoenix Channels V2 protocol, and channels for custom bidirectional
// protocols on it. The official phoenix npm client (and Phoenix clients in
// other languages) talk to it unchanged. templive's live views are
// channels too, on "lv:*" topics of the socket that
// [github.com/templive/templive/live.Server] runs.
//
// # Sockets
//
// A [Socket] is an [http.Handler] mounted at a path such as "/socket". It
// upgrades "/socket/websocket?vsn=2.0.0", calls [SocketOptions.Connect]
// with the connect params and request ([ConnectInfo]) to accept the
// connection with a typed state, or refuse it with HTTP 403, and routes
// each phx_join to the [Channel] registered for the topic:
//
//	sock := channel.NewSocket(channel.SocketOptions[*UserSocket]{
//		Connect: func(ctx context.Context, info *channel.ConnectInfo) (*UserSocket, error) { … },
//		ID:      func(u *UserSocket) string { return "user_socket:" + u.ID },
//		PubSub:  ps,
//	})
//	sock.Channel("room:*", func(cc *channel.Conn, u *UserSocket) channel.Channel {
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
// Each joined topic runs its [Channel]'s callbacks one at a time, never
// two at once: [Channel.Join], [Channel.HandleIn] for client events,
// [InfoHandler.HandleInfo] for PubSub messages and [Terminator.Terminate]
// at the end. They run on a goroutine the channel has only while it has
// work: one starts when a client frame, a PubSub message or a stop
// arrives, and returns once nothing is queued, so an idle channel holds
// no goroutine stack. A panic crashes that channel only; the client
// receives phx_error and rejoins. Broadcasts on a channel's topic are
// encoded once and the same frame is written to every subscribed
// connection.
//
// # Concurrency and limits
//
// Every connection has one reader goroutine, and no writer goroutine of
// its own: a channel's replies and what it pushes in [Drainer.Drained]
// are written by the channel's goroutine when the callback returns, and
// frames queued from anywhere else by a goroutine started while they
// wait. [Conn.Push] never blocks. All writes go through a queue bounded
// in bytes, and a client that leaves it non-empty for
// [Limits.SlowClientTimeout], or lets it grow past [Limits.OutboundBytes],
// is disconnected (close code 1008). What the client sends waits for its
// channels in queues bounded in frames and in bytes; beyond them the
// reader waits. Frame size, channels per connection, queue bounds and
// timeouts are fields of [Limits].
// [Socket.Shutdown] closes every connection with code 1001 and waits for
// every goroutine.
//
// # Compression
//
// [SocketOptions.Compression] turns on permessage-deflate, which browsers
// offer on every WebSocket; it is off by default. Frames of at least
// [Compression.MinSize] bytes (1 KiB by default: join replies, large
// patches) are deflated, in memory before the write, so a slow client
// holds no compressor; smaller ones, the usual update, are sent as they
// are. What the client deflates is inflated within [Limits.ReadLimit].
// It pays on large frames over slow links: a 57 KB join reply crosses the
// network as 6 KB. It costs CPU on both ends, and browsers deflate their
// own frames once it is on, so the server inflates every event.
//
// # Tokens
//
// Sockets usually authenticate with a signed token that
// [SocketOptions].Connect verifies: package
// [github.com/templive/templive/token] signs and verifies them as
// Phoenix.Token does, and needs nothing of live views.
package channel
