package main

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/templive/templive/internal/browsertest"
)

// openUI opens /ui, waits for its view to join, and from then on records in
// window.sentFrames every frame the page sends but heartbeats.
func openUI(t *testing.T) *browsertest.Tab {
	t.Helper()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	// The toast waits 3 s and the page is slow on a loaded machine.
	tab.Timeout = 30 * time.Second
	tab.Navigate(base + "/ui")
	connected(tab)
	tab.Eval(`(c => { window.sentFrames = []; let send = c.send.bind(c)
		c.send = d => { let m = JSON.parse(d); if (m[3] != "heartbeat") sentFrames.push(m); return send(d) }
		return true })(templive.liveSocket.socket.conn)`, nil)
	return tab
}

// sent returns the events the page sent since openUI, as "type:name".
func sent(t *testing.T, tab *browsertest.Tab) []string {
	t.Helper()
	var out []string
	tab.Eval(`sentFrames.map(m => m[3] == "event" ? m[4].t + ":" + m[4].e : m[3])`, &out)
	return out
}

// aTick waits until the server's clock re-rendered its part of the page.
func aTick(tab *browsertest.Tab) {
	tab.Eval(`window.tickWas = document.querySelector("#ticks").textContent; true`, nil)
	tab.Wait(`document.querySelector("#ticks").textContent != tickWas`)
}

func key(t *testing.T, tab *browsertest.Tab, k string, opts ...chromedp.KeyOption) {
	t.Helper()
	if err := chromedp.Do(tab.Context(), chromedp.KeyEvent(k, opts...)); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserUIDropdownOpensWithoutARoundTripAndClosesOnAClickAway(t *testing.T) {
	t.Parallel()
	tab := openUI(t)
	tab.Click("#menu-button")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	if got := sent(t, tab); len(got) != 0 {
		t.Fatalf("opening the menu sent %q", got)
	}
	// The server re-renders another part of the page: the menu stays open.
	aTick(tab)
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	tab.Click("h1")
	tab.Wait(`!document.querySelector("#menu").checkVisibility()`)
	if got := sent(t, tab); len(got) != 0 {
		t.Fatalf("a click away sent %q", got)
	}

	// An item sends its choice; the server answers with a command of its own, a
	// highlight, which runs in the page.
	tab.Eval(`window.picked = []; new MutationObserver(rs => rs.forEach(r => picked.push(r.oldValue)))
		.observe(document.querySelector("#picked"), {attributeOldValue: true, attributeFilter: ["class"]}); true`, nil)
	tab.Click("#menu-button")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	tab.Click("#pick-Archive")
	tab.WaitText("#picked", "Archive")
	tab.Wait(`picked.includes("highlight fading-bg")`)
	tab.Wait(`!document.querySelector("#menu").checkVisibility()`)
	if got := sent(t, tab); len(got) != 1 || got[0] != "click:pick" {
		t.Fatalf("sent %q, want the pick only", got)
	}
}

func TestBrowserUIModalKeepsTheFocusAndClosesWithEscapeOrAClickBeside(t *testing.T) {
	t.Parallel()
	tab := openUI(t)
	// The modal's classes, each as it was before a change.
	tab.Eval(`window.modalClasses = []; new MutationObserver(rs => rs.forEach(r => modalClasses.push(r.oldValue)))
		.observe(document.querySelector("#modal"), {attributeOldValue: true, attributeFilter: ["class"]}); true`, nil)
	tab.Click("#open-modal")
	tab.Wait(`document.activeElement.id == "modal-cancel"`)
	// The fade: start and active, then active and end, then the modal's own class.
	tab.Wait(`modalClasses.length == 4 && document.querySelector("#modal").className == "modal"`)
	var classes []string
	tab.Eval(`modalClasses`, &classes)
	if want := []string{"modal", "modal transparent fading", "modal fading", "modal fading opaque"}; !slices.Equal(classes, want) {
		t.Errorf("the modal's classes went %q, want %q", classes, want)
	}
	if got := sent(t, tab); len(got) != 0 {
		t.Fatalf("opening the modal sent %q", got)
	}
	aTick(tab)
	tab.Wait(`document.querySelector("#modal").checkVisibility() && document.activeElement.id == "modal-cancel"`)

	// The focus stays in the dialog: Shift+Tab from the first goes to the last,
	// Tab from the last to the first.
	key(t, tab, kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	tab.Wait(`document.activeElement.id == "modal-confirm"`)
	key(t, tab, kb.Tab)
	tab.Wait(`document.activeElement.id == "modal-cancel"`)
	// Escape closes it and gives the focus back to the button that opened it.
	key(t, tab, kb.Escape)
	tab.Wait(`!document.querySelector("#modal").checkVisibility()`)
	tab.Wait(`document.activeElement.id == "open-modal"`)

	// A click beside the dialog closes it too.
	tab.Click("#open-modal")
	tab.Wait(`document.activeElement.id == "modal-cancel"`)
	if err := chromedp.Do(tab.Context(), chromedp.MouseClickXY(5, 5)); err != nil {
		t.Fatal(err)
	}
	tab.Wait(`!document.querySelector("#modal").checkVisibility()`)
	if got := sent(t, tab); len(got) != 0 {
		t.Fatalf("the modal sent %q", got)
	}

	// Delete pushes the one event; the flash's toast dismisses itself.
	tab.Click("#open-modal")
	tab.Wait(`document.activeElement.id == "modal-cancel"`)
	tab.Click("#modal-confirm")
	tab.WaitText("#toast-text", "Deleted item #1")
	tab.Wait(`!document.querySelector("#modal").checkVisibility()`)
	tab.WaitText("#deleted", "1")
	tab.Wait(`!document.querySelector("#toast")`)
	if got := sent(t, tab); len(got) != 2 || got[0] != "click:delete" || got[1] != "push:live:clear-flash" {
		t.Fatalf("sent %q, want the delete and the toast's live:clear-flash", got)
	}
}

func TestBrowserUICopyDispatchesAnEventToThePagesScript(t *testing.T) {
	t.Parallel()
	tab := openUI(t)
	tab.Click("#copy")
	tab.Wait(`document.querySelector("#copied").checkVisibility()`)
	// hooks.js heard the DOM event on the field and selected the link.
	tab.Wait(`(f => document.activeElement == f && f.selectionEnd == f.value.length && f.value.endsWith("/ui"))(document.querySelector("#share-url"))`)
	if got := sent(t, tab); len(got) != 0 {
		t.Fatalf("copying sent %q", got)
	}
	// Wait, then the fade out.
	tab.Wait(`!document.querySelector("#copied").checkVisibility()`)
}
