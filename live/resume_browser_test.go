package live_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// clicks counts clicks, next to an input no event reads and a <details>
// the user opens: what a page that remounts, or whose root is replaced,
// would lose.
type clicks struct{ n int }

func (v *clicks) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *clicks) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="count">%d</p><button id="inc" live-click="inc">+</button><input id="draft" name="draft"><details id="more"><summary id="more-summary">More</summary><p>more</p></details>`, v.n)
		return err
	})
}

func (v *clicks) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "inc" {
		v.n++
	}
	return nil
}

// watchPage notes, in the page, what must not happen: a reload (the marker
// goes), the root replaced or its content replaced (the observer), a
// remount (the rejoin event).
const watchPage = `(() => {
	window.marker = 1
	window.remounts = 0
	window.resumes = 0
	window.replaced = 0
	const root = document.querySelector("[data-live-root]")
	window.root0 = root
	window.count0 = document.getElementById("count")
	window.draft0 = document.getElementById("draft")
	root.addEventListener("templive:rejoin", e => e.detail.resumed ? window.resumes++ : window.remounts++)
	new MutationObserver(ms => {
		for (const m of ms) for (const n of m.removedNodes) if (n === root || n === window.count0 || n === window.draft0) window.replaced++
	}).observe(document.body, {childList: true, subtree: true})
	return true
})()`

// clickLoop clicks #inc n times, a click every few milliseconds, counting
// them in window.clicked.
const clickLoop = `(async n => {
	window.clicked = 0
	for (let i = 0; i < n; i++) {
		document.getElementById("inc").click()
		window.clicked = i + 1
		await new Promise(r => setTimeout(r, 3))
	}
	return true
})(%d) && true`

// TestClicksSurviveACutConnectionInChromium is issue 18's test: a counter
// clicked many times while a TCP proxy between the browser and the server
// cuts the connection at random moments ends at exactly the number of
// clicks; the page never reloads, its root and content are never
// replaced, and a half-typed input and an open <details> survive. Over
// long-poll (WebSocket upgrades refused), the views resume the same way.
func TestClicksSurviveACutConnectionInChromium(t *testing.T) {
	tests := []struct {
		name     string
		longPoll bool
		n, cuts  int
	}{
		{name: "WebSocket", n: 1000, cuts: 20},
		{name: "long-poll", longPoll: true, n: 150, cuts: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, live.Options{EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1}}, nil)
			srv.Page("/clicks", func() live.View { return &clicks{} })
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.longPoll && strings.HasSuffix(r.URL.Path, "/live/websocket") {
					http.Error(w, "WebSockets are not allowed here", http.StatusForbidden)
					return
				}
				srv.ServeHTTP(w, r)
			}))
			t.Cleanup(ts.Close)
			proxy, err := tcpproxy.Start(ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { proxy.Close() })

			tab := browsertest.New(t).NewTab(t)
			tab.Navigate("http://" + proxy.Addr() + "/clicks")
			tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
			tab.Eval(watchPage, nil)
			tab.Type("#draft", "half-typ")
			tab.Click("#more-summary")
			tab.Wait(`document.getElementById("more").open`)

			// Cut at random clicks, each time once the page has noticed,
			// and let it back in.
			at := make([]int, tt.cuts)
			for i := range at {
				at[i] = 1 + rand.IntN(tt.n-1)
			}
			slices.Sort(at)
			tab.Eval(fmt.Sprintf(clickLoop, tt.n), nil)
			for i, c := range at {
				// Once the page is back from the last cut.
				tab.Wait(fmt.Sprintf(`window.clicked >= %d && window.resumes == %d`, c, i))
				proxy.Cut()
				tab.Wait(`document.querySelector("[data-live-root]").classList.contains("live-error")`)
				if err := proxy.Restore(); err != nil {
					t.Fatal(err)
				}
				t.Logf("cut %d at click %d", i+1, c)
			}
			tab.Wait(fmt.Sprintf(`window.clicked == %d && document.getElementById("count").textContent == "%d" && document.querySelector("[data-live-root].live-connected") != null`, tt.n, tt.n))
			// Nothing more arrives: the last click's reply has been applied.
			var state struct {
				Marker, Remounts, Resumes, Replaced int
				Same, Open                          bool
				Draft, Count                        string
			}
			tab.Eval(`({marker: window.marker, remounts: window.remounts, resumes: window.resumes, replaced: window.replaced,
				same: document.querySelector("[data-live-root]") === window.root0 && document.getElementById("draft") === window.draft0,
				open: document.getElementById("more").open, draft: document.getElementById("draft").value,
				count: document.getElementById("count").textContent})`, &state)
			t.Logf("%+v; server: %+v", state, srv.Stats())
			if state.Count != fmt.Sprint(tt.n) {
				t.Errorf("count %s after %d clicks", state.Count, tt.n)
			}
			if state.Marker != 1 {
				t.Error("the page reloaded")
			}
			if state.Remounts != 0 || state.Resumes != tt.cuts {
				t.Errorf("%d remounts and %d resumes after %d cuts", state.Remounts, state.Resumes, tt.cuts)
			}
			if !state.Same || state.Replaced != 0 {
				t.Errorf("the root or its content was replaced (%d removals of watched nodes)", state.Replaced)
			}
			if !state.Open || state.Draft != "half-typ" {
				t.Errorf("details open: %v, input %q", state.Open, state.Draft)
			}
		})
	}
}
