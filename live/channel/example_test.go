package channel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/token"
)

// User is the state a connection carries once Connect accepted it.
type User struct {
	ID string
}

// RoomChannel broadcasts what its members say.
type RoomChannel struct {
	cc   *channel.Conn
	user *User
}

func (ch *RoomChannel) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	if ch.cc.Topic() == "room:secret" {
		return nil, channel.Refuse("unauthorized")
	}
	return map[string]string{"welcome": ch.user.ID}, nil
}

func (ch *RoomChannel) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	var msg struct{ Body string }
	if err := ev.Decode(&msg); err != nil {
		return channel.ReplyReason("bad payload"), nil
	}
	err := ch.cc.Broadcast(ctx, "said", map[string]string{"body": msg.Body, "by": ch.user.ID})
	return channel.NoReply, err
}

func ExampleNewSocket() {
	signer := token.NewSigner([]byte("a secret of at least thirty-two bytes"))
	sock := channel.NewSocket(channel.SocketOptions[*User]{
		// Connect accepts a connection carrying a valid token; any error
		// refuses it with HTTP 403.
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (*User, error) {
			id, err := token.Verify[string](signer, "user socket", info.Params.Get("token"), 24*time.Hour)
			if err != nil {
				return nil, err
			}
			return &User{ID: id}, nil
		},
		ID:     func(u *User) string { return "user_socket:" + u.ID },
		Logger: slog.New(slog.DiscardHandler),
	})
	sock.Channel("room:*", func(cc *channel.Conn, u *User) channel.Channel {
		return &RoomChannel{cc: cc, user: u}
	})
	mux := http.NewServeMux()
	mux.Handle("/socket/", sock)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer sock.Shutdown(context.Background())

	// A client, speaking the protocol by hand.
	tok, _ := token.Sign(signer, "user socket", "42")
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket/websocket?vsn=2.0.0&token=" + tok
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	for _, frame := range []string{
		`["1","1","room:lobby","phx_join",{}]`,
		`["1","2","room:lobby","new_msg",{"Body":"hi"}]`,
		`["3","3","room:secret","phx_join",{}]`,
	} {
		ws.WriteMessage(websocket.TextMessage, []byte(frame))
		_, reply, _ := ws.ReadMessage()
		fmt.Println(string(reply))
	}
	// Output:
	// ["1","1","room:lobby","phx_reply",{"status":"ok","response":{"welcome":"42"}}]
	// [null,null,"room:lobby","said",{"body":"hi","by":"42"}]
	// ["3","3","room:secret","phx_reply",{"status":"error","response":{"reason":"unauthorized"}}]
}
