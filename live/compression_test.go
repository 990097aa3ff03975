package live_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/benchpage"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
)

// tableView is the 200-row table of package benchpage: its join frame is
// 57 KB, well past the size from which frames are deflated.
type tableView struct{ t *benchpage.Table }

func (v *tableView) Mount(context.Context, *live.Socket, url.Values) error {
	v.t = benchpage.NewTable()
	return nil
}

func (v *tableView) Render() templ.Component { return v.t.Component() }

func (v *tableView) HandleEvent(_ context.Context, _ *live.Socket, ev live.Event) error {
	id, err := strconv.Atoi(ev.Values.Get("id"))
	if err != nil || id < 0 || id >= benchpage.TableRows {
		return nil
	}
	switch ev.Name {
	case "bump":
		v.t.Bump(id)
	case "top":
		v.t.Top(id)
	}
	return nil
}

func TestLiveViewsWorkWithCompressionOnAndOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    channel.Compression
	}{
		{"compression off", channel.Compression{}},
		{"compression on, large frames deflated", channel.Compression{Enabled: true}},
		{"compression on, every frame deflated", channel.Compression{Enabled: true, MinSize: -1, Level: 9}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, ps := newServer(t, live.Options{Compression: tc.c}, nil)
			srv.Page("/table", func() live.View { return &tableView{} })
			c := livetest.NewClient(t, srv, nil)

			counter := c.Live("/counter?start=5")
			counter.Click("#inc")
			if got := counter.Text("#count"); got != "6" {
				t.Fatalf("count after a click = %q, want 6", got)
			}
			if err := ps.Broadcast(t.Context(), "counter", 10); err != nil {
				t.Fatal(err)
			}
			counter.SyncUntil("the broadcast", func() bool { return counter.Text("#count") == "16" })

			table := c.Live("/table")
			table.Click(`#row-7 button[live-click="bump"]`)
			if got := table.Text("#row-7 td.num"); got != "8" {
				t.Fatalf("row 7's quantity after a bump = %q, want 8", got)
			}
			table.Click(`#row-150 button[live-click="top"]`)
			html := table.HTML()
			if i, j := strings.Index(html, `<tr id="row-150">`), strings.Index(html, `<tr id="row-0">`); i < 0 || j < i {
				t.Fatalf("row 150 is not above row 0 after moving it to the top")
			}
		})
	}
}
