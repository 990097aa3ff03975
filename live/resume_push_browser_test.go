package live_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/live"
)

// pinger pushes an event, rendering nothing new, for every ping, and
// counts its clicks.
type pinger struct{ n int }

func (v *pinger) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *pinger) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="count">%d</p><button id="inc" live-click="inc">+</button><button id="ping" live-click="ping">ping</button>`, v.n)
		return err
	})
}

func (v *pinger) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		v.n++
	case "ping":
		s.PushEvent("pinged", nil)
	}
	return nil
}

// The browser counts the renders that only push events as versions, as
// the server does: a page that got some resumes after a cut instead of
// remounting for a version the server never sent.
func TestRendersThatOnlyPushEventsAreVersionsInChromium(t *testing.T) {
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/ping", func() live.View { return &pinger{} })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	proxy, err := tcpproxy.Start(ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })

	tab := browsertest.New(t).NewTab(t)
	tab.Navigate("http://" + proxy.Addr() + "/ping")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	tab.Eval(`(() => {
		window.pings = 0
		window.rejoins = []
		addEventListener("templive:pinged", () => window.pings++)
		document.querySelector("[data-live-root]").addEventListener("templive:rejoin", e => window.rejoins.push(e.detail.resumed))
		return true
	})()`, nil)
	tab.Click("#inc")
	for i := 1; i <= 3; i++ {
		tab.Click("#ping")
		tab.Wait(fmt.Sprintf(`window.pings == %d`, i))
	}
	tab.Wait(`document.getElementById("count").textContent == "1"`)
	proxy.Cut()
	tab.Wait(`document.querySelector("[data-live-root]").classList.contains("live-error")`)
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	tab.Wait(`window.rejoins.length == 1`)
	var resumed bool
	tab.Eval(`window.rejoins[0]`, &resumed)
	if !resumed {
		t.Fatal("the page remounted after a cut, want resumed")
	}
	tab.Click("#inc")
	tab.Wait(`document.getElementById("count").textContent == "2" && window.pings == 3`)
}
