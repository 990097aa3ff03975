package token_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/token"
)

// userSocketSalt keeps user socket tokens from verifying for any other
// purpose signed with the same secret.
const userSocketSalt = "user socket"

// Lobby greets the user its socket authenticated.
type Lobby struct {
	userID string
}

func (l *Lobby) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	return map[string]string{"welcome": l.userID}, nil
}

func (l *Lobby) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	return channel.NoReply, nil
}

// A Channels-only application, as a Phoenix user socket: an HTTP handler
// signs a token for the signed-in user, the page hands it to the client,
// and the socket's Connect verifies it. Nothing here imports the live
// runtime.
func Example_userSocket() {
	signer := token.NewSigner([]byte("a secret of at least thirty-two bytes"))

	sock := channel.NewSocket(channel.SocketOptions[string]{
		// Connect accepts only a connection carrying a genuine, fresh
		// token; its error refuses the connection with HTTP 403.
		Connect: func(ctx context.Context, info *channel.ConnectInfo) (string, error) {
			return token.Verify[string](signer, userSocketSalt, info.Params.Get("token"), 24*time.Hour)
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	sock.Channel("lobby", func(cc *channel.Conn, userID string) channel.Channel {
		return &Lobby{userID: userID}
	})
	defer sock.Shutdown(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/socket/", sock)
	// The page's handler: a real one renders the token into the page for
	// the user its session names.
	mux.HandleFunc("GET /socket-token", func(w http.ResponseWriter, r *http.Request) {
		userID := "42" // from the request's session
		tok, err := token.Sign(signer, userSocketSalt, userID)
		if err != nil {
			http.Error(w, "cannot sign", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, tok)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// The client: fetch the token, connect with it, join.
	resp, err := http.Get(srv.URL + "/socket-token")
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	endpoint := "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket/websocket?vsn=2.0.0&token="
	ws, _, err := websocket.DefaultDialer.Dial(endpoint+string(tok), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte(`["1","1","lobby","phx_join",{}]`))
	_, reply, _ := ws.ReadMessage()
	fmt.Println(string(reply))

	// A forged token is refused before any channel joins.
	_, refused, err := websocket.DefaultDialer.Dial(endpoint+"SFMyNTY.forged.token", nil)
	if err == nil {
		fmt.Println("a forged token connected")
		return
	}
	fmt.Println(refused.StatusCode)
	// Output:
	// ["1","1","lobby","phx_reply",{"status":"ok","response":{"welcome":"42"}}]
	// 403
}
