package live_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// Post is a page that nests a Likes view: a live view of its own, with
// its own state, goroutine and events, inside the page's markup.
type Post struct{ ID string }

func (p *Post) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	p.ID = params.Get("id")
	return nil
}

// Render would usually be templ markup: @live.Nested("likes", &Likes{Post: p.ID}).
func (p *Post) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<h1>Post %s</h1>`, p.ID); err != nil {
			return err
		}
		return live.Nested("likes", &Likes{Post: p.ID}).Render(ctx, w)
	})
}

// Likes counts the likes of a post; once connected it would subscribe to
// the post's topic in Mount.
type Likes struct {
	Post  string
	Count int
}

func (l *Likes) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	l.Count = 3 // loaded for l.Post
	return nil
}

func (l *Likes) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "like" {
		l.Count++
	}
	return nil
}

func (l *Likes) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<button live-click="like">♥ %d</button>`, l.Count)
		return err
	})
}

func ExampleNested() {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ps.Close()
	lv := live.NewServer(live.Options{Secret: []byte("a secret of at least thirty-two bytes"), PubSub: ps})
	defer lv.Shutdown(context.Background())
	lv.Page("/posts/{id}", func() live.View { return &Post{} })
	ts := httptest.NewServer(lv)
	defer ts.Close()

	// The GET renders the nested view in place, in a root of its own that
	// the browser joins after the page's view.
	res, err := http.Get(ts.URL + "/posts/7")
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	nested := regexp.MustCompile(`<div id="lv-[^"]*-likes" data-live-root data-live-parent="lv-[^"]*" data-live-nested="likes" live-update="ignore">(.*?)</div>`)
	fmt.Println(string(nested.FindSubmatch(body)[1]))
	// Output: <button live-click="like">♥ 3</button>
}
