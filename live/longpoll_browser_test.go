package live_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// TestTheClientFallsBackToLongPollInChromium serves the counter behind a
// proxy that refuses WebSocket upgrades, as some corporate networks do:
// the client falls back to long-poll, the view works over it (events,
// PubSub pushes), and the tab's next page uses long-poll at once.
func TestTheClientFallsBackToLongPollInChromium(t *testing.T) {
	srv, ps := newServer(t, live.Options{}, nil)
	var upgrades, polls, modules atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/live/websocket"):
			upgrades.Add(1)
			http.Error(w, "WebSockets are not allowed here", http.StatusForbidden)
			return
		case strings.HasSuffix(r.URL.Path, "/live/longpoll"):
			polls.Add(1)
		case r.URL.Path == "/live/templive-longpoll.js":
			modules.Add(1)
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter?start=1")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	if upgrades.Load() == 0 || polls.Load() == 0 || modules.Load() != 1 {
		t.Fatalf("%d upgrades refused, %d long-poll requests, %d loads of the module", upgrades.Load(), polls.Load(), modules.Load())
	}
	var remembered string
	tab.Eval(`sessionStorage.getItem("templive:longpoll") || ""`, &remembered)
	if remembered != "1" {
		t.Fatalf("sessionStorage remembers %q", remembered)
	}

	tab.Click("#inc")
	tab.WaitText("#count", "2")
	if err := ps.Broadcast(t.Context(), "counter", 40); err != nil {
		t.Fatal(err)
	}
	tab.WaitText("#count", "42")

	// The tab's next page goes straight to long-poll.
	refused := upgrades.Load()
	tab.Navigate(ts.URL + "/counter?start=7")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null && document.querySelector("#count").textContent == "7"`)
	tab.Click("#inc")
	tab.WaitText("#count", "8")
	if n := upgrades.Load() - refused; n != 0 {
		t.Fatalf("the next page tried %d WebSocket upgrades", n)
	}
}
