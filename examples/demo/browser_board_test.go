package main

import (
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/templive/templive/internal/browsertest"
)

// mouse sends real mouse input to tab, at a fraction (fx, fy) of the
// board's box.
func mouse(t *testing.T, tab *browsertest.Tab, typ input.DispatchMouseEventType, fx, fy float64, opts ...chromedp.MouseOption) {
	t.Helper()
	var box struct{ X, Y, W, H float64 }
	tab.Eval(`(() => { const r = document.getElementById("board").getBoundingClientRect(); return {X: r.left, Y: r.top, W: r.width, H: r.height} })()`, &box)
	_, err := chromedp.Run(tab.Context(), chromedp.MouseEvent(typ, box.X+fx*box.W, box.Y+fy*box.H, opts...))
	if err != nil {
		t.Fatalf("mouse %s: %v", typ, err)
	}
}

func TestBrowserBoardShowsAnotherTabsCursorAndStrokes(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	ada, bob := b.NewTab(t), b.NewTab(t)
	for _, s := range []struct {
		tab  *browsertest.Tab
		name string
	}{{ada, "ada"}, {bob, "bob"}} {
		signIn(s.tab, base, s.name)
		s.tab.Navigate(base + "/board")
		s.tab.WaitText("#board-status", "connected")
	}
	for _, tab := range []*browsertest.Tab{ada, bob} {
		tab.Wait(`document.querySelector("#board-online-ada") && document.querySelector("#board-online-bob")`)
	}

	// Ada's pointer over the middle of the board appears, labelled, at
	// the middle of bob's.
	mouse(t, ada, input.DispatchMouseEventTypeMouseMoved, 0.5, 0.5)
	bob.Wait(`(() => { const c = document.querySelector("#board-cursor-ada"); return c && Math.abs(c.dataset.x - 32767) < 800 && Math.abs(c.dataset.y - 32767) < 800 })()`)
	if got := bob.Text("#board-cursor-ada"); got != "ada" {
		t.Errorf("ada's cursor on bob's board is labelled %q", got)
	}
	// It follows her.
	mouse(t, ada, input.DispatchMouseEventTypeMouseMoved, 0.25, 0.75)
	bob.Wait(`(() => { const c = document.querySelector("#board-cursor-ada"); return Math.abs(c.dataset.x - 16383) < 800 && Math.abs(c.dataset.y - 49150) < 800 })()`)

	// A stroke she draws is painted on bob's canvas.
	const inked = `(() => { const c = document.getElementById("board-canvas"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n })()`
	var before int
	bob.Eval(inked, &before)
	if before != 0 {
		t.Fatalf("bob's canvas has %d inked pixels before anyone drew", before)
	}
	mouse(t, ada, input.DispatchMouseEventTypeMousePressed, 0.2, 0.2, chromedp.Button("left"), chromedp.ClickCount(1))
	for i := 1; i <= 10; i++ {
		mouse(t, ada, input.DispatchMouseEventTypeMouseMoved, 0.2+0.05*float64(i), 0.2+0.03*float64(i), chromedp.Button("left"))
	}
	mouse(t, ada, input.DispatchMouseEventTypeMouseReleased, 0.7, 0.5, chromedp.Button("left"), chromedp.ClickCount(1))
	bob.Wait(inked + ` > 100`)

	// Her pointer leaving the board takes her cursor off bob's.
	mouse(t, ada, input.DispatchMouseEventTypeMouseMoved, 0.5, 1.5)
	bob.Wait(`!document.querySelector("#board-cursor-ada")`)

	// Closing her tab takes her off bob's list.
	ada.Navigate("about:blank")
	bob.Wait(`!document.querySelector("#board-online-ada")`)
}
