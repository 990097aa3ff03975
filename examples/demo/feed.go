package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/live"
)

// feedSize is how many posts the feed shows; older ones drop off the end.
const feedSize = 50

// FeedItem is one post of the feed's stream, re-rendered whenever a
// broadcast changes it; its [PostCard] keeps what this viewer does with it.
type FeedItem struct {
	Post content.Post
}

// FeedLive is the brief's FeedLive: recent posts as a stream that the
// server does not keep, new posts at the top, edits and deletes pushed to
// every viewer. Posts are written by the content context, which broadcasts
// only after a write succeeded.
type FeedLive struct {
	User    string
	Draft   string
	Problem string
	Posts   *live.Stream[FeedItem]
	// Photo is the upload of the photo of the post being written; nil
	// for anonymous visitors.
	Photo *live.Upload

	store  *content.Store
	media  *media
	limits *limits
	notes  *notifier // likes notify the author; posts alert the admins
}

// maxPhotoSize bounds the photo of a post.
const maxPhotoSize = 5 << 20

// Mount lists the recent posts and, once connected, follows "posts".
func (v *FeedLive) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.User = s.Session().Get("user")
	v.Posts = live.NewStream(s, "posts", func(it FeedItem) string { return "post-" + strconv.FormatInt(it.Post.ID, 10) })
	v.Posts.SetLimit(feedSize)
	s.SetTitle("Feed · templive demo")
	if v.User != "" {
		v.Photo = s.AllowUpload("photo", live.UploadOptions{Accept: imageAccept, MaxFileSize: maxPhotoSize, AutoUpload: true})
	}
	if s.Connected() {
		if err := s.Subscribe(content.TopicPosts); err != nil {
			return err
		}
	}
	return v.loadRecent(ctx)
}

// loadRecent lists the recent posts into the stream, replacing what it
// showed.
func (v *FeedLive) loadRecent(ctx context.Context) error {
	posts, err := v.store.ListRecentPosts(ctx, feedSize)
	if err != nil {
		return fmt.Errorf("list posts: %w", err)
	}
	items := make([]FeedItem, len(posts))
	for i, p := range posts {
		items[i] = FeedItem{Post: p}
	}
	v.Posts.Reset(items...)
	return nil
}

// Render shows the feed.
func (v *FeedLive) Render() templ.Component { return feedView(v) }

// HandleEvent writes new posts through the content context; they come
// back, to every viewer, through its broadcasts. Each post's buttons and
// editor are its [PostCard]'s.
func (v *FeedLive) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if v.User == "" {
		return nil // the page offers nothing to anonymous visitors
	}
	switch ev.Name {
	case "post":
		// Each post reaches every viewer.
		if !v.limits.posts.Allow(v.User) {
			v.Draft = ev.Value("body")
			v.Problem = "You are posting too fast; wait a moment."
			return nil
		}
	}
	switch ev.Name {
	case "draft":
		v.Draft = ev.Value("body")
	case "post":
		if len(v.Photo.Entries) > 0 && !v.Photo.Done() {
			v.Draft, v.Problem = ev.Value("body"), "Wait for the photo to finish uploading, or remove it."
			return nil
		}
		err := v.post(ctx, s, ev.Value("body"))
		if problem := problemOf(err); problem != "" {
			v.Draft, v.Problem = ev.Value("body"), problem
			return nil
		} else if err != nil {
			return err
		}
		v.Draft, v.Problem = "", ""
		return v.notes.alertAdmins(ctx, v.User)
	}
	return nil
}

// post creates a post with body and the photo uploaded for it, if any.
// The photo is copied into the media directory first, so that every tab
// the post reaches can show it; a post that fails takes it away again,
// and the upload stays for the next try.
func (v *FeedLive) post(ctx context.Context, s *live.Socket, body string) error {
	posted := false
	err := s.ConsumeUploads("photo", func(f live.UploadedFile) error {
		name, err := v.media.save(f)
		if err != nil {
			return err
		}
		if _, err := v.store.CreatePhotoPost(ctx, v.User, body, name); err != nil {
			return errors.Join(err, v.media.remove(name))
		}
		posted = true
		return nil
	})
	if err != nil || posted {
		return err
	}
	_, err = v.store.CreatePost(ctx, v.User, body)
	return err
}

// uploadProblem says what is wrong with a chosen image, from its error.
func uploadProblem(code string, maxSize int64) string {
	switch code {
	case live.UploadNotAccepted:
		return "Only PNG, JPEG, GIF and WebP images."
	case live.UploadTooLarge:
		return fmt.Sprintf("Over %d MB.", maxSize>>20)
	case live.UploadTooMany:
		return "Too many files."
	}
	return "The upload failed."
}

// problemOf returns what to tell the user about a failed write, or "" when
// err is nil or not theirs to fix.
func problemOf(err error) string {
	var verr *content.ValidationError
	switch {
	case errors.As(err, &verr):
		return "The post " + verr.Fields["body"] + "."
	case errors.Is(err, content.ErrForbidden):
		return "Only its author can change a post."
	case errors.Is(err, content.ErrNotFound):
		return "That post is gone."
	}
	return ""
}

// Lagged catches up after a burst of writes overflowed the view's mailbox:
// the recent posts are listed again and replace the stream's, which the
// browser receives as one reset of the list.
func (v *FeedLive) Lagged(ctx context.Context, s *live.Socket, dropped uint64) error {
	return v.loadRecent(ctx)
}

// HandleInfo follows the content context's broadcasts.
func (v *FeedLive) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch m := msg.(type) {
	case content.PostCreated:
		v.Posts.InsertAt(0, FeedItem{Post: m.Post})
	case content.PostUpdated:
		v.Posts.Update(FeedItem{Post: m.Post})
	case content.PostDeleted:
		v.Posts.Delete(FeedItem{Post: m.Post})
	}
	return nil
}
