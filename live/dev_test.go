package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// failing is a view that fails on its GET the way params.Get("how") says,
// with a message that would be markup if it were not escaped.
type failing struct{ how string }

const failure = `<script>alert("x")</script> went wrong`

func (f *failing) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	f.how = params.Get("how")
	switch f.how {
	case "panic":
		panic(failure)
	case "error":
		return errors.New(failure)
	}
	return nil
}

func (f *failing) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if f.how == "render" {
			panic(failure)
		}
		_, err := io.WriteString(w, `<p id="ok">ok</p>`)
		return err
	})
}

func TestAFailingGETShowsItsErrorOnlyInDevelopment(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		dev   bool
		how   string
		want  []string // in the body
		stack bool     // the page shows a goroutine stack through the view's code
	}{
		{name: "a panic in Mount shows its message and stack in development", dev: true, how: "panic",
			want: []string{"mount failed: /fail", "Mount: panic: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; went wrong"}, stack: true},
		{name: "an error from Mount shows its message in development", dev: true, how: "error",
			want: []string{"mount failed: /fail", "Mount: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; went wrong"}},
		{name: "a panic in Render shows its message and stack in development", dev: true, how: "render",
			want: []string{"render failed: /fail", "Render: panic: &lt;script&gt;"}, stack: true},
		{name: "a panic in Mount is a bare 500 in production", how: "panic", want: []string{"Internal Server Error"}},
		{name: "an error from Mount is a bare 500 in production", how: "error", want: []string{"Internal Server Error"}},
		{name: "a panic in Render is a bare 500 in production", how: "render", want: []string{"Internal Server Error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, live.Options{Dev: tc.dev}, nil)
			srv.Page("/fail", func() live.View { return &failing{} })
			p := livetest.NewClient(t, srv, nil).Get("/fail?how=" + tc.how)
			if p.Status != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", p.Status)
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("the page lacks %q:\n%s", w, p.Body)
				}
			}
			if strings.Contains(p.Body, "<script>alert") {
				t.Errorf("the error reached the page unescaped:\n%s", p.Body)
			}
			hasStack := strings.Contains(p.Body, "goroutine ") && strings.Contains(p.Body, "live_test.(*failing)")
			if hasStack != tc.stack {
				t.Errorf("stack shown = %v, want %v:\n%s", hasStack, tc.stack, p.Body)
			}
			if !tc.dev && strings.Contains(p.Body, "went wrong") {
				t.Errorf("a production page shows the error:\n%s", p.Body)
			}
		})
	}
}

func TestTheDevelopmentScriptIsServedAndLoadedOnlyInDevelopment(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{true, false} {
		t.Run(fmt.Sprintf("dev=%v", dev), func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, live.Options{Dev: dev}, nil)
			c := livetest.NewClient(t, srv, nil)
			loaded := strings.Contains(c.Get("/counter").Body, `<script defer src="/live/dev.js"></script>`)
			if loaded != dev {
				t.Errorf("the page loads /live/dev.js: %v, want %v", loaded, dev)
			}
			resp, err := http.Get(c.URL("/live/dev.js"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := http.StatusNotFound
			if dev {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Fatalf("GET /live/dev.js: %d, want %d", resp.StatusCode, want)
			}
			if dev && !strings.Contains(string(body), "templ_reloadSrc") {
				t.Errorf("/live/dev.js does not take templ's reloads:\n%s", body)
			}
		})
	}
}

// eager is a view that subscribes in every Mount, the connected one and
// the GET's alike, and keeps the error.
type eager struct{ err *error }

func (e *eager) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	err := s.Subscribe("posts")
	if !s.Connected() {
		*e.err = err
	}
	return err
}

func (e *eager) Render() templ.Component { return templ.Raw(`<p>posts</p>`) }

func TestSubscribingBeforeTheBrowserConnectsSaysWhatToDo(t *testing.T) {
	t.Parallel()
	var err error
	srv, _ := newServer(t, live.Options{Dev: true}, nil)
	srv.Page("/posts", func() live.View { return &eager{err: &err} })
	p := livetest.NewClient(t, srv, nil).Get("/posts")
	if p.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", p.Status)
	}
	if !errors.Is(err, live.ErrNotConnected) {
		t.Fatalf("Subscribe's error %v does not match ErrNotConnected", err)
	}
	for _, want := range []string{`Subscribe("posts")`, "disconnected Mount", "s.Connected()"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Subscribe's error %q does not say %q", err, want)
		}
		if !strings.Contains(p.Body, templ.EscapeString(want)) {
			t.Errorf("the error page does not say %q:\n%s", want, p.Body)
		}
	}
}
