package live_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// TestChromiumNegotiatesCompressionAndTheViewWorks serves the counter and
// the 57 KB table with every frame deflated: Chromium takes
// permessage-deflate, deflates its own frames, and the views work.
func TestChromiumNegotiatesCompressionAndTheViewWorks(t *testing.T) {
	srv, ps := newServer(t, live.Options{Compression: channel.Compression{Enabled: true, MinSize: -1}}, nil)
	srv.Page("/table", func() live.View { return &tableView{} })
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)

	tab.Navigate(ts.URL + "/counter?start=1")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ext string
	tab.Eval(`templive.liveSocket.socket.conn.extensions`, &ext)
	if !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("the WebSocket's extensions are %q", ext)
	}
	tab.Click("#inc")
	tab.WaitText("#count", "2")
	if err := ps.Broadcast(t.Context(), "counter", 40); err != nil {
		t.Fatal(err)
	}
	tab.WaitText("#count", "42")

	tab.Navigate(ts.URL + "/table")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	tab.Click(`#row-7 button[live-click="bump"]`)
	tab.WaitText("#row-7 td.num", "8")
	tab.Click(`#row-150 button[live-click="top"]`)
	tab.Wait(`document.querySelector("tbody tr").id == "row-150"`)
}
