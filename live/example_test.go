package live_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// Counter is a live view: its state is its fields.
type Counter struct {
	Count int
}

func (c *Counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	c.Count, _ = strconv.Atoi(params.Get("start"))
	return nil
}

func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "inc" {
		c.Count++
	}
	return nil
}

// Render would usually return a component generated from a .templ file.
func (c *Counter) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p>Count: %d</p><button live-click="inc">+</button>`, c.Count)
		return err
	})
}

func ExampleNewServer() {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ps.Close()
	lv := live.NewServer(live.Options{Secret: []byte("a secret of at least thirty-two bytes"), PubSub: ps})
	defer lv.Shutdown(context.Background())
	lv.Page("/counter", func() live.View { return &Counter{} })

	ts := httptest.NewServer(lv) // or http.ListenAndServe(addr, lv)
	defer ts.Close()

	// The GET renders the page whole, before any JavaScript runs.
	res, err := http.Get(ts.URL + "/counter?start=41")
	if err != nil {
		log.Fatal(err)
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Status)
	// The view's HTML sits in the layout, in a root element that carries
	// the signed session the browser joins with.
	view := page[bytes.Index(page, []byte("data-live-root")):]
	view = view[bytes.IndexByte(view, '>')+1:]
	fmt.Println(string(view[:bytes.Index(view, []byte("</div>"))]))
	// Output:
	// 200 OK
	// <p>Count: 41</p><button live-click="inc">+</button>
}
