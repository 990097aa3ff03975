package livetest_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/livetest"
)

// fakeLiveSocket serves the live socket in place of the runtime, for the
// frames a real server never sends: it answers the join with the view's
// HTML, and every other message with frames, in which JR, REF and TOPIC
// stand for the message's join ref, ref and topic. Its handlers are
// waited for when the test ends.
func fakeLiveSocket(t *testing.T, frames []string) http.Handler {
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		defer ws.Close()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			f, err := wire.DecodeFrame(data)
			if err != nil {
				t.Errorf("the client sent a malformed frame %s: %v", data, err)
				return
			}
			out := frames
			if f.Event == wire.ClientJoin {
				out = []string{`["JR","REF","TOPIC","phx_reply",{"status":"ok","response":{"html":"<p id=\"count\">0</p>"}}]`}
			}
			fill := strings.NewReplacer("JR", f.JoinRef, "REF", f.Ref, "TOPIC", f.Topic)
			for _, frame := range out {
				if err := ws.WriteMessage(websocket.TextMessage, []byte(fill.Replace(frame))); err != nil {
					return
				}
			}
		}
	})
}

func TestMalformedServerFramesFailSayingWhatIsWrong(t *testing.T) {
	t.Parallel()
	const ok = `["JR","REF","TOPIC","phx_reply",{"status":"ok","response":{}}]`
	tests := []struct {
		name   string
		frames []string
		want   string
	}{
		{"a frame whose topic is not a string", []string{`["JR","REF",5,"phx_reply",{"status":"ok","response":{}}]`},
			"malformed frame from server: wire: frame topic is not a non-empty string"},
		{"a reply without a status", []string{`["JR","REF","TOPIC","phx_reply",{"response":{}}]`},
			`reply {"response":{}}: wire: reply status is not "ok" or "error"`},
		{"a redirect whose destination is not a string", []string{`["JR",null,"TOPIC","redirect",{"to":5}]`, ok},
			`redirect {"to":5}: wire: malformed redirect`},
		{"a live_patch without a destination", []string{`["JR",null,"TOPIC","live_patch",{"kind":"push"}]`, ok},
			"wire: live_patch without to"},
		{"a pushed event whose name is not a string", []string{`["JR","REF","TOPIC","phx_reply",{"status":"ok","response":{"ev":[[1,{}]]}}]`},
			"wire: render event 0: name is not a string"},
		{"a diff push with a stream operation of no known kind", []string{`["JR",null,"TOPIC","diff",{"s":[["x","posts"]]}]`, ok},
			`wire: stream operation 0: unknown kind "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			mux := http.NewServeMux()
			mux.Handle("/live/websocket", fakeLiveSocket(t, tc.frames))
			mux.Handle("/", srv)
			v := livetest.NewClient(t, srv, mux).Live("/counter")
			err := v.TryEvent("click", "inc", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("TryEvent: %v\nwant an error containing %s", err, tc.want)
			}
		})
	}
}
