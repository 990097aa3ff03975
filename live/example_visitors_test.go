package live_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// Lobby shows who is here; its session carries the visitor's id.
type Lobby struct{ Visitor string }

func (l *Lobby) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	l.Visitor = s.Session().Get("visitor") // a presence key, say
	return nil
}

func (l *Lobby) Render() templ.Component {
	return templ.Raw(`<p>` + templ.EscapeString(l.Visitor) + `</p>`)
}

// Visitors gives anonymous visitors a stable id, which Options.Session puts
// in every page's session, from the very first GET on.
func ExampleServer_Visitors() {
	ps, _ := pubsub.New(pubsub.Options{})
	defer ps.Close()
	lv := live.NewServer(live.Options{
		Secret: []byte(rand.Text() + rand.Text()), // openssl rand -hex 32, from the environment
		PubSub: ps,
		Session: func(r *http.Request) (live.Session, error) {
			return live.Session{"visitor": live.VisitorID(r)}, nil
		},
	})
	defer lv.Shutdown(context.Background())
	lv.Page("/lobby", func() live.View { return &Lobby{} })

	ts := httptest.NewServer(lv.Visitors(lv)) // http.ListenAndServe(addr, lv.Visitors(mux))
	defer ts.Close()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	ids := map[string]bool{}
	for range 2 {
		resp, err := browser.Get(ts.URL + "/lobby")
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		u, _ := url.Parse(ts.URL)
		for _, c := range jar.Cookies(u) {
			if c.Name == "_live_visitor" {
				ids[c.Value] = true
			}
		}
	}
	fmt.Println("ids for one browser:", len(ids))
	// Output: ids for one browser: 1
}
