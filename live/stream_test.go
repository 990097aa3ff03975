package live_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// post is a stream item.
type post struct {
	ID   int
	Body string
}

// feed shows posts as a stream and a counter of events outside it.
type feed struct {
	posts   *live.Stream[post]
	initial int
	limit   int
	events  int
}

// Messages the feed handles, as a context would broadcast them.
type (
	postCreated struct{ Post post }
	postUpdated struct{ Post post }
	postDeleted struct{ Post post }
	postsReset  struct{ Posts []post }
)

func (f *feed) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	fmt.Sscan(params.Get("n"), &f.initial)
	fmt.Sscan(params.Get("limit"), &f.limit)
	f.posts = live.NewStream(s, "posts", func(p post) string { return fmt.Sprintf("posts-%d", p.ID) })
	f.posts.SetLimit(f.limit)
	var ps []post
	for i := f.initial; i >= 1; i-- {
		ps = append(ps, post{ID: i, Body: fmt.Sprintf("post %d", i)})
	}
	f.posts.Reset(ps...)
	return nil
}

func (f *feed) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		fmt.Fprintf(w, `<p id="events">%d</p><button id="tick" live-click="tick">tick</button><ul id="posts" live-update="stream">`, f.events)
		for _, it := range f.posts.Items() {
			fmt.Fprintf(w, `<li id="%s"><b>%s</b></li>`, it.ID, templ.EscapeString(it.Value.Body))
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (f *feed) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	f.events++
	return nil
}

func (f *feed) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch m := msg.(type) {
	case postCreated:
		f.posts.InsertAt(0, m.Post)
	case postUpdated:
		f.posts.Update(m.Post)
	case postDeleted:
		f.posts.Delete(m.Post)
	case postsReset:
		f.posts.Reset(m.Posts...)
	}
	return nil
}

func TestStreamOperationsReachTheBrowsersList(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, func() live.View { return &feed{} })
	srv.Page("/feed", func() live.View { return &feed{} })
	v := livetest.Mount(t, srv, "/feed?n=3")
	want := func(step string, ids ...string) {
		t.Helper()
		got := v.Texts("#posts > li")
		if strings.Join(got, "|") != strings.Join(ids, "|") {
			t.Fatalf("%s: list %q, want %q", step, got, ids)
		}
	}
	want("first render", "post 3", "post 2", "post 1")

	v.Send(postCreated{post{4, "post 4"}})
	want("insert at the top", "post 4", "post 3", "post 2", "post 1")

	v.Send(postUpdated{post{2, "post 2, edited"}})
	want("update in place", "post 4", "post 3", "post 2, edited", "post 1")

	v.Send(postDeleted{post{3, ""}})
	want("delete", "post 4", "post 2, edited", "post 1")

	v.Send(postUpdated{post{9, "post 9"}})
	want("an update of an item not on the page appends it", "post 4", "post 2, edited", "post 1", "post 9")

	v.Click("#tick")
	want("a re-render of the rest of the page leaves the list alone", "post 4", "post 2, edited", "post 1", "post 9")
	if v.Text("#events") != "1" {
		t.Fatalf("events = %q", v.Text("#events"))
	}

	v.Send(postsReset{[]post{{7, "post 7"}, {8, "post 8"}}})
	want("reset", "post 7", "post 8")

	// After a reconnect the view mounts again and its reset re-sends the
	// current page of items.
	v.Rejoin()
	want("rejoin", "post 3", "post 2", "post 1")
}

func TestStreamLimitTrimsFromTheEnd(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, func() live.View { return &feed{} })
	srv.Page("/feed", func() live.View { return &feed{} })
	v := livetest.Mount(t, srv, "/feed?n=5&limit=3")
	if got := v.Count("#posts > li"); got != 3 {
		t.Fatalf("first render shows %d items, want 3", got)
	}
	v.Send(postCreated{post{6, "post 6"}})
	if got := strings.Join(v.Texts("#posts > li"), "|"); got != "post 6|post 5|post 4" {
		t.Fatalf("after an insert at the top: %s", got)
	}
}

func TestAStreamInsertCostsTheItemsHTMLPlusAFewBytes(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, func() live.View { return &feed{} })
	srv.Page("/feed", func() live.View { return &feed{} })
	v := livetest.Mount(t, srv, "/feed?n=100")
	v.Send(postCreated{post{101, "hello"}})
	item := `<li id="posts-101"><b>hello</b></li>`
	// Around the item: the frame (refs, the view's topic, the event name)
	// and the operation (container, id, position).
	if got := v.LastRenderBytes(); got > len(item)+100 {
		t.Fatalf("an insert of a %d-byte item cost a %d-byte frame", len(item), got)
	}
	v.Send(postDeleted{post{101, ""}})
	if got := v.LastRenderBytes(); got > 100 {
		t.Fatalf("a delete cost a %d-byte frame", got)
	}
}

func TestInsertingAndDeletingAnItemInOneRenderIsFine(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	v.Event(live.EventClick, "insert-delete", nil)
	if got := strings.Join(v.Texts("#items > li"), ","); got != "a" {
		t.Fatalf("items %q", got)
	}
}

func TestAnAdoptedViewKeepsItsStreams(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{MountOnce: true}, nil)
	v := livetest.Mount(t, srv, "/misc")
	if srv.Stats().Adoptions != 1 {
		t.Fatal("the view was not adopted")
	}
	v.Event(live.EventClick, "insert", nil)
	v.Event(live.EventClick, "insert", nil)
	if got := strings.Join(v.Texts("#items > li"), ","); got != "a,1,2" {
		t.Fatalf("items %q", got)
	}
}
