package main

import (
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/templive/templive/internal/browsertest"
)

// The tests in this file run the demo in headless Chromium: the real
// client, the real server, the real diff.

func TestMain(m *testing.M) { browsertest.Main(m) }

// hosts hands each test its own loopback address: cookies are scoped by
// host, not port, and the tests share one browser, so demos on one address
// would see each other's sign-in cookies.
var hosts atomic.Int32

// serveDemo serves a fresh demo for the test on an address of its own and
// returns its base URL.
func serveDemo(t *testing.T) string {
	t.Helper()
	_, url := serveApp(t)
	return url
}

// serveApp is serveDemo that returns the app too.
func serveApp(t *testing.T) (*app, string) {
	t.Helper()
	a := newTestApp(t)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+hosts.Add(1)%250))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(a.mux)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return a, ts.URL
}

// signIn signs tab in as name, through the live sign-in form, which posts
// itself once the name is valid.
func signIn(tab *browsertest.Tab, base, name string) {
	tab.Navigate(base + "/signin")
	connected(tab)
	tab.Type(`#signin-name`, name)
	tab.Click(`#signin button`)
	tab.Wait(`location.pathname == "/"`)
}

// connected waits until the page's live view has joined.
func connected(tab *browsertest.Tab) {
	tab.WaitClass("[data-live-root]", "live-connected")
}

func TestBrowserCounterUpdatesOnClick(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/counter")
	connected(tab)
	tab.Click("#inc")
	tab.Click("#inc")
	tab.Click("#inc10")
	tab.WaitText("#count", "12")
	tab.Click("#dec")
	tab.WaitText("#count", "11")
	tab.Click("#reset")
	tab.WaitText("#count", "0")
}

func TestBrowserSignupValidatesWhileTypingAndKeepsTheCaret(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/signup")
	connected(tab)

	tab.Type("#signup-email", "ab")
	tab.WaitText("#signup-email-error", "email address")
	// The server re-renders the inputs on every keystroke; type in the
	// middle of a value and the caret must stay where the user put it.
	tab.Type("#signup-name", "ab")
	tab.Wait(`document.querySelector("#signup-name").getAttribute("value") == "ab"`)
	tab.Eval(`(e => { e.focus(); e.setSelectionRange(1, 1); return true })(document.querySelector("#signup-name"))`, nil)
	if err := chromedp.Do(tab.Context(), chromedp.KeyEvent("X")); err != nil {
		t.Fatal(err)
	}
	tab.Wait(`document.querySelector("#signup-name").getAttribute("value") == "aXb"`)
	var state struct {
		Value string `json:"value"`
		Start int    `json:"start"`
		Focus bool   `json:"focus"`
	}
	tab.Eval(`(e => ({value: e.value, start: e.selectionStart, focus: document.activeElement == e}))(document.querySelector("#signup-name"))`, &state)
	if state.Value != "aXb" || state.Start != 2 || !state.Focus {
		t.Fatalf("after typing X at 1: %+v, want value aXb, caret at 2, focused", state)
	}
	if strings.Contains(tab.Text("form"), "8 characters") {
		t.Fatal("an error shows for the password, which the user has not touched")
	}

	tab.Type("#signup-email", "@example.com")
	tab.Wait(`!document.querySelector("#signup-email-error")`)
	tab.Type("#signup-password", "correct horse")
	tab.Click(`#signup button[type="submit"]`)
	tab.WaitText("#done", "Welcome aboard, aXb")
	if v := tab.Value("#signup-email"); v != "" {
		t.Fatalf("after the submit the email field still shows %q", v)
	}
}

func TestBrowserFeedTwoTabs(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	ada, bob := b.NewTab(t), b.NewTab(t)
	// Both tabs share the browser's cookies: each page keeps the user it
	// was served with, signed into its session.
	signIn(ada, base, "ada")
	ada.Navigate(base + "/feed")
	connected(ada)
	signIn(bob, base, "bob")
	bob.Navigate(base + "/feed")
	connected(bob)

	// Bob is typing a post of his own; Ada's posts must not disturb it.
	bob.Type("#new-post-body", "half a thought")
	bob.Eval(`(e => { e.setSelectionRange(4, 4); return true })(document.querySelector("#new-post-body"))`, nil)

	post := func(body string) {
		t.Helper()
		ada.Type("#new-post-body", body)
		ada.Click(`#new-post button[type="submit"]`)
		// The form is read-only until the submit's reply, which clears it.
		ada.Wait(`(f => f.value == "" && !f.readOnly)(document.querySelector("#new-post-body"))`)
	}
	post("first!")
	bob.WaitText("#posts > li:first-child .body", "first!")
	post("second")
	bob.WaitText("#posts > li:first-child .body", "second")

	var draft struct {
		Value string `json:"value"`
		Start int    `json:"start"`
		Focus bool   `json:"focus"`
	}
	bob.Eval(`(e => ({value: e.value, start: e.selectionStart, focus: document.activeElement == e}))(document.querySelector("#new-post-body"))`, &draft)
	if draft.Value != "half a thought" || draft.Start != 4 || !draft.Focus {
		t.Fatalf("bob's draft was disturbed: %+v", draft)
	}

	// An edit and a delete reach the other tab.
	ada.Click("#posts > li:first-child .edit")
	ada.Wait(`document.querySelector("#posts > li:first-child textarea")`)
	ada.Eval(`(e => { e.value = "second, edited"; return true })(document.querySelector("#posts > li:first-child textarea"))`, nil)
	ada.Click(`#posts > li:first-child button[type="submit"]`)
	bob.WaitText("#posts > li:first-child .body", "second, edited")
	ada.Click("#posts > li:first-child .delete")
	bob.WaitText("#posts > li:first-child .body", "first!")
	bob.Wait(`document.querySelectorAll("#posts > li").length == 1`)
}

func TestBrowserRoomPresence(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	ada, bob := b.NewTab(t), b.NewTab(t)
	signIn(ada, base, "ada")
	ada.Navigate(base + "/rooms/1")
	connected(ada)
	signIn(bob, base, "bob")
	bob.Navigate(base + "/rooms/1")
	connected(bob)

	for _, tab := range []*browsertest.Tab{ada, bob} {
		tab.Wait(`document.querySelector("#online-ada") && document.querySelector("#online-bob")`)
	}
	bob.Type("#say-body", "hi ad")
	ada.Wait(`document.querySelector("#online-bob .typing")`)
	bob.Type("#say-body", "a\n")
	ada.WaitText("#messages", "hi ada")
	ada.Wait(`!document.querySelector("#online-bob .typing")`)

	// Bob closes his tab: he leaves Ada's list.
	closed := time.Now()
	bob.Navigate("about:blank")
	ada.Wait(`!document.querySelector("#online-bob")`)
	t.Logf("bob left ada's list %v after closing his tab", time.Since(closed).Round(time.Millisecond))
}

func TestBrowserChannelsChatWithPresence(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	ada, bob := b.NewTab(t), b.NewTab(t)
	// Each page carries the socket token of the user it was served to.
	signIn(ada, base, "ada")
	ada.Navigate(base + "/chat")
	ada.WaitText("#chat-status", "connected")
	signIn(bob, base, "bob")
	bob.Navigate(base + "/chat")
	bob.WaitText("#chat-status", "connected")

	for _, tab := range []*browsertest.Tab{ada, bob} {
		tab.Wait(`document.querySelector("#chat-online-ada") && document.querySelector("#chat-online-bob")`)
	}
	bob.Type("#chat-body", "hello ada")
	ada.Wait(`document.querySelector("#chat-online-bob .typing")`)
	bob.Click(`#chat-form button`)
	ada.WaitText("#chat-messages", "hello ada")
	ada.Wait(`!document.querySelector("#chat-online-bob .typing")`)
	bob.Navigate("about:blank")
	ada.Wait(`!document.querySelector("#chat-online-bob")`)
}
