package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// likeCard is a stream item that is a component: a post with a counter of
// likes and an editable body, its state its own.
type likeCard struct {
	ID      int
	Body    string
	likes   int
	editing bool
	ended   *endings
}

func (c *likeCard) domID() string { return fmt.Sprintf("card-%d", c.ID) }

func (c *likeCard) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		body := `<p class="body">` + templ.EscapeString(c.Body) + `</p><button class="edit" live-click="edit">edit</button>`
		if c.editing {
			body = `<form class="editor" live-submit="save"><input name="body" value="` + templ.EscapeString(c.Body) + `"></form>`
		}
		_, err := fmt.Fprintf(w, `<li id="%s">%s<button class="like" live-click="like">like</button><span class="likes">%d</span></li>`, c.domID(), body, c.likes)
		return err
	})
}

func (c *likeCard) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "like":
		c.likes++
	case "edit":
		c.editing = true
	case "save":
		c.Body, c.editing = ev.Value("body"), false
	}
	return nil
}

func (c *likeCard) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if n, ok := msg.(reset); ok {
		c.likes = n.to
	}
	return nil
}

func (c *likeCard) Terminate(reason error) {
	c.ended.mu.Lock()
	defer c.ended.mu.Unlock()
	c.ended.why[c.domID()] = reason
}

// cardFeed streams posts, each a likeCard, and counts its own events
// outside the stream.
type cardFeed struct {
	posts  *live.Stream[post]
	ticks  int
	nested bool // render the component inside the item, an error
	ended  *endings
}

func (f *cardFeed) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	var n, limit int
	fmt.Sscan(params.Get("n"), &n)
	fmt.Sscan(params.Get("limit"), &limit)
	f.nested = params.Has("nested")
	f.posts = live.NewStream(s, "cards", func(p post) string { return fmt.Sprintf("card-%d", p.ID) })
	f.posts.SetLimit(limit)
	for i := 1; i <= n; i++ {
		f.posts.Insert(post{ID: i, Body: fmt.Sprintf("post %d", i)})
	}
	return nil
}

func (f *cardFeed) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		fmt.Fprintf(w, `<p id="ticks">%d</p><button id="tick" live-click="tick">tick</button><ul id="cards" live-update="stream">`, f.ticks)
		for _, it := range f.posts.Items() {
			card := live.Component(it.ID, &likeCard{ID: it.Value.ID, Body: it.Value.Body, ended: f.ended})
			if f.nested {
				card = templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
					fmt.Fprintf(w, `<li id="%s"><ul>`, it.ID)
					if err := live.Component("c-"+it.ID, &likeCard{ID: 1000 + it.Value.ID, ended: f.ended}).Render(ctx, w); err != nil {
						return err
					}
					_, err := io.WriteString(w, `</ul></li>`)
					return err
				})
			}
			if err := card.Render(ctx, w); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (f *cardFeed) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "add" {
		f.posts.Insert(post{ID: 99, Body: "post 99"})
	}
	f.ticks++
	return nil
}

func (f *cardFeed) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
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

func newCardServer(t *testing.T) (*live.Server, *endings) {
	t.Helper()
	ended := &endings{why: map[string]error{}}
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/cards", func() live.View { return &cardFeed{ended: ended} })
	return srv, ended
}

func TestAComponentInAStreamItemKeepsItsStateAndReplacesItsItem(t *testing.T) {
	t.Parallel()
	srv, ended := newCardServer(t)
	v := livetest.Mount(t, srv, "/cards?n=3")
	v.Click("#card-2 .like")
	v.Click("#card-2 .like")
	if got := v.Text("#card-2 .likes"); got != "2" {
		t.Fatalf("card 2 has %s likes after two clicks, want 2", got)
	}
	if a, c := v.Text("#card-1 .likes"), v.Text("#card-3 .likes"); a != "0" || c != "0" {
		t.Fatalf("other cards changed: %s and %s", a, c)
	}
	// The like sent card 2 alone, as a stream operation, not the page.
	item := `<li live-component="card-2" id="card-2"><p class="body">post 2</p><button class="edit" live-click="edit">edit</button><button class="like" live-click="like">like</button><span class="likes">2</span></li>`
	// Around it: the frame, the operation, and the escapes of its quotes.
	if got := v.LastRenderBytes(); got > len(item)+160 {
		t.Errorf("a like cost a %d-byte frame for a %d-byte item", got, len(item))
	}
	if got := strings.Join(v.Texts("#cards > li .body"), "|"); got != "post 1|post 2|post 3" {
		t.Fatalf("order after the likes: %s", got)
	}

	// Edit in place.
	v.Click("#card-3 .edit")
	if !v.Has("#card-3 form.editor") {
		t.Fatal("card 3 shows no editor")
	}
	v.Submit("#card-3 form.editor", url.Values{"body": {"post 3, edited"}})
	if got := v.Text("#card-3 .body"); got != "post 3, edited" {
		t.Fatalf("card 3 reads %q after its edit", got)
	}

	// The view's own renders, and a later insert, leave the cards' state.
	v.Click("#tick")
	v.Send(postCreated{post{4, "post 4"}})
	if got := strings.Join(v.Texts("#cards > li .body"), "|"); got != "post 4|post 1|post 2|post 3, edited" {
		t.Fatalf("after an insert: %s", got)
	}
	v.Click("#card-2 .like")
	if got := v.Text("#card-2 .likes"); got != "3" {
		t.Fatalf("card 2 has %s likes after the view's renders, want 3", got)
	}
	// SendUpdate reaches it too.
	v.SendUpdate("card-1", reset{to: 40})
	if got := v.Text("#card-1 .likes"); got != "40" {
		t.Fatalf("card 1 has %s likes after SendUpdate, want 40", got)
	}
	// An update of the item from the view hands the kept component the
	// new inputs; without Update it keeps its own state.
	v.Send(postUpdated{post{2, "ignored"}})
	if got := v.Text("#card-2 .likes"); got != "3" {
		t.Fatalf("card 2 has %s likes after its item's update, want 3", got)
	}
	for _, id := range []string{"card-1", "card-2", "card-3", "card-4"} {
		if err := ended.get(id); err != nil {
			t.Errorf("%s ended: %v", id, err)
		}
	}
}

func TestAStreamItemsComponentEndsWithItsItem(t *testing.T) {
	t.Parallel()
	srv, ended := newCardServer(t)
	v := livetest.Mount(t, srv, "/cards?n=3")
	v.Click("#card-2 .like")
	v.Send(postDeleted{post{2, ""}})
	if v.Has("#card-2") {
		t.Fatal("card 2 still shown")
	}
	if err := ended.get("card-2"); !errors.Is(err, live.ErrComponentRemoved) {
		t.Fatalf("card 2 ended with %v, want ErrComponentRemoved", err)
	}
	// A page that still showed it sends its event: refused, the view lives on.
	err := v.TryEventTo("card-2", live.EventClick, "like", nil)
	if err == nil || !strings.Contains(err.Error(), "no such component") {
		t.Fatalf("event for a deleted item's component: %v", err)
	}
	v.Click("#card-1 .like")
	if got := v.Text("#card-1 .likes"); got != "1" {
		t.Fatalf("card 1 has %s likes", got)
	}

	// A reset ends the components of the items it does not insert again;
	// one it inserts again keeps its state.
	v.Send(postsReset{[]post{{1, "post 1"}, {9, "post 9"}}})
	if err := ended.get("card-3"); !errors.Is(err, live.ErrComponentRemoved) {
		t.Fatalf("card 3 ended with %v after the reset, want ErrComponentRemoved", err)
	}
	if err := ended.get("card-1"); err != nil {
		t.Fatalf("card 1, inserted again by the reset, ended: %v", err)
	}
	if got := v.Text("#card-1 .likes"); got != "1" {
		t.Fatalf("card 1 has %s likes after the reset, want 1", got)
	}
	v.Click("#card-9 .like")
	if got := v.Text("#card-9 .likes"); got != "1" {
		t.Fatalf("card 9 has %s likes", got)
	}
}

func TestAStreamsLimitBoundsTheComponentsItKeeps(t *testing.T) {
	t.Parallel()
	srv, ended := newCardServer(t)
	// Inserted at the top and trimmed from the end: the oldest go.
	v := livetest.Mount(t, srv, "/cards?n=2&limit=3")
	v.Send(postCreated{post{3, "post 3"}})
	v.Send(postCreated{post{4, "post 4"}})
	// The browser dropped card 2 (the end of its list), then card 1.
	if got := strings.Join(v.Texts("#cards > li .body"), "|"); got != "post 4|post 3|post 1" {
		t.Fatalf("after two inserts: %s", got)
	}
	if err := ended.get("card-2"); !errors.Is(err, live.ErrComponentRemoved) {
		t.Fatalf("card 2, trimmed by the limit, ended with %v", err)
	}
	if err := v.TryEventTo("card-2", live.EventClick, "like", nil); err == nil {
		t.Fatal("an event for a trimmed item's component was accepted")
	}
	v.Click("#card-1 .like")
	if got := v.Text("#card-1 .likes"); got != "1" {
		t.Fatalf("card 1 has %s likes", got)
	}
	if err := ended.get("card-1"); err != nil {
		t.Fatalf("card 1, still shown, ended: %v", err)
	}
	if got := v.Count("#cards > li"); got != 3 {
		t.Fatalf("%d items shown after a like, want 3", got)
	}
	// Appended past the limit, an item is trimmed as soon as it is shown.
	v.Click("#tick")
	v.Event(live.EventClick, "add", nil)
	if v.Has("#card-99") {
		t.Fatal("the item appended past the limit is shown")
	}
	if err := ended.get("card-99"); !errors.Is(err, live.ErrComponentRemoved) {
		t.Fatalf("card 99, trimmed as it was inserted, ended with %v", err)
	}
}

func TestAStreamItemsComponentThatIsNotTheItemIsAnError(t *testing.T) {
	t.Parallel()
	srv, _ := newCardServer(t)
	v := livetest.Mount(t, srv, "/cards?nested")
	if err := v.TryEvent(live.EventClick, "add", nil); err == nil {
		t.Fatal("an item with a component inside it did not crash the view")
	}
}

func TestAViewKeepsTheComponentsOfAThousandStreamItemsAtMost(t *testing.T) {
	t.Parallel()
	srv, ended := newCardServer(t)
	// No limit: the browser keeps every item, the server the newest
	// thousand items' components.
	v := livetest.Mount(t, srv, "/cards?n=1002")
	for _, id := range []string{"card-1", "card-2"} {
		if err := ended.get(id); !errors.Is(err, live.ErrComponentRemoved) {
			t.Errorf("%s ended with %v, want ErrComponentRemoved", id, err)
		}
	}
	if err := ended.get("card-3"); err != nil {
		t.Errorf("card 3 ended: %v", err)
	}
	if err := v.TryEventTo("card-1", live.EventClick, "like", nil); err == nil {
		t.Error("an event for a forgotten component was accepted")
	}
	v.Click("#card-1002 .like")
	if got := v.Text("#card-1002 .likes"); got != "1" {
		t.Errorf("card 1002 has %s likes", got)
	}
}
