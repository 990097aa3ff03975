package live_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// flashing puts two flash messages in its connected Mount and renders them
// with live.FlashMessages. It has no HandleEvent: dismissing a message
// must not need one.
type flashing struct{}

func (flashing) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		s.PutFlash("info", "Saved.")
		s.PutFlash("error", "But <b>not</b> sent.")
	}
	return nil
}

func (flashing) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := live.FlashMessages().Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `<p id="body">body</p>`)
		return err
	})
}

func TestFlashMessagesAreDismissedByTheRuntime(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/flash", func() live.View { return flashing{} })
	c := livetest.NewClient(t, srv, nil)
	if c.Get("/flash").Has("#live-flash") {
		t.Fatal("the GET, which has no flash, renders the flash's container")
	}
	v := c.Live("/flash")
	if got := v.Texts(".live-flash p"); len(got) != 2 || got[0] != "But <b>not</b> sent." || got[1] != "Saved." {
		t.Fatalf("flash messages %q, want the error's, escaped, then the info's", got)
	}
	if role, _ := v.Attr("#live-flash-error", "role"); role != "alert" {
		t.Errorf("the error's role is %q, want alert", role)
	}
	if role, _ := v.Attr("#live-flash-info", "role"); role != "status" {
		t.Errorf("the info's role is %q, want status", role)
	}

	v.Click("#live-flash-info button")
	if v.Has("#live-flash-info") || !v.Has("#live-flash-error") {
		t.Fatalf("after dismissing the info:\n%s", v.HTML())
	}
	// Without a kind, the event clears every message.
	v.Event(live.EventKeyDown, live.ClearFlashEvent, nil)
	if v.Has("#live-flash") {
		t.Fatalf("after clearing every kind:\n%s", v.HTML())
	}
	if v.Text("#body") != "body" {
		t.Errorf("the view's own markup changed:\n%s", v.HTML())
	}
}

// signinFirst sends every visitor to /signin, a page that is not a live
// view, with a flash saying why.
type signinFirst struct{}

func (signinFirst) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.PutFlash("error", "Please sign in first.")
	s.Redirect("/signin")
	return nil
}

func (signinFirst) Render() templ.Component { return templ.NopComponent }

func TestAPageThatIsNotLiveTakesTheFlashOfARedirect(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/account", func() live.View { return signinFirst{} })
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	var taken []map[string]string
	var mu sync.Mutex
	mux.HandleFunc("GET /signin", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		taken = append(taken, srv.TakeFlash(w, r))
		mu.Unlock()
		io.WriteString(w, "sign in")
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	for range 2 {
		resp, err := hc.Get(ts.URL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := hc.Get(ts.URL + "/account") // redirected to /signin
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = hc.Get(ts.URL + "/signin") // the flash is gone
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(taken) != 4 || taken[0] != nil || taken[1] != nil || taken[2]["error"] != "Please sign in first." || taken[3] != nil {
		t.Fatalf("flashes the sign-in page took: %v; want none, none, the redirect's, none", taken)
	}
}
