package main

import (
	"context"
	"errors"
	"strconv"

	"github.com/a-h/templ"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/live"
)

// PostCard is one post of the feed as a component: the stream item is the
// card's root element, so the card keeps its state (the editor, this
// tab's likes) while the browser shows the post, and its own events render
// it alone into a stream operation that replaces just its item. The
// post's content comes from the feed, which re-renders the item whenever
// a broadcast changes it.
type PostCard struct {
	DOMID  string
	Post   content.Post
	Viewer string // the signed-in user, or "" for an anonymous visitor

	Editing bool
	Draft   string // the body being edited, kept when a save fails
	Problem string
	Likes   int // likes sent from this tab: the store keeps no count

	store  *content.Store
	notes  *notifier
	limits *limits
}

// card builds the card of the feed's item id: the inputs a render of the
// feed hands the component kept under id.
func (v *FeedLive) card(id string, it FeedItem) *PostCard {
	return &PostCard{DOMID: id, Post: it.Post, Viewer: v.User, store: v.store, notes: v.notes, limits: v.limits}
}

// Render shows the card.
func (c *PostCard) Render() templ.Component { return postCard(c) }

// Update takes the post as it is now from the feed, which follows the
// content context's broadcasts; what the card owns stays.
func (c *PostCard) Update(ctx context.Context, s *live.Socket, next *PostCard) error {
	c.Post, c.Viewer = next.Post, next.Viewer
	return nil
}

// mine reports whether the viewer wrote the post.
func (c *PostCard) mine() bool { return c.Viewer != "" && c.Post.UserID == c.Viewer }

// HandleEvent runs the card's buttons and editor. Writes go through the
// content context, whose broadcasts bring the change to every viewer's
// feed, this one's included.
func (c *PostCard) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if c.Viewer == "" {
		return nil // the card offers nothing to anonymous visitors
	}
	switch ev.Name {
	case "like", "save", "delete":
		if !c.limits.posts.Allow(c.Viewer) {
			c.Problem = "You are going too fast; wait a moment."
			return nil
		}
	}
	switch ev.Name {
	case "like":
		if c.mine() {
			return nil
		}
		c.Likes++
		return c.notes.liked(ctx, c.store, c.Viewer, c.Post.ID)
	case "edit":
		c.Editing, c.Draft, c.Problem = c.mine(), c.Post.Body, ""
	case "cancel":
		c.Editing, c.Problem = false, ""
	case "save":
		p, err := c.store.UpdatePost(ctx, c.Viewer, c.Post.ID, ev.Value("body"))
		if problem := problemOf(err); problem != "" {
			c.Draft, c.Problem = ev.Value("body"), problem
			return nil
		} else if err != nil {
			return err
		}
		c.Post, c.Editing, c.Problem = p, false, ""
	case "delete":
		if _, err := c.store.DeletePost(ctx, c.Viewer, c.Post.ID); err != nil && !errors.Is(err, content.ErrNotFound) {
			if problem := problemOf(err); problem != "" {
				c.Problem = problem
				return nil
			}
			return err
		}
	}
	return nil
}

// postNumber is the post's id as the page shows it.
func (c *PostCard) postNumber() string { return strconv.FormatInt(c.Post.ID, 10) }
