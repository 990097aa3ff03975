package content_test

import (
	"errors"
	"testing"

	"github.com/templive/templive/examples/demo/content"
)

func TestCreatePhotoPostKeepsThePhotoThroughEdits(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()
	post, err := store.CreatePhotoPost(ctx, "alice", "my cat", "3f2a.png")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdatePost(ctx, "alice", post.ID, "my cat, asleep"); err != nil {
		t.Fatal(err)
	}
	posts, err := store.ListRecentPosts(ctx, 1)
	if err != nil || len(posts) != 1 || posts[0].Photo != "3f2a.png" || posts[0].Body != "my cat, asleep" {
		t.Fatalf("listed %+v (err %v)", posts, err)
	}
}

func TestCreatePhotoPostRefusesAPath(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	for _, name := range []string{"../x.png", "a/b.png", ".hidden", "UPPER.png", "a b.png"} {
		_, err := store.CreatePhotoPost(t.Context(), "alice", "hi", name)
		if verr, ok := errors.AsType[*content.ValidationError](err); !ok || verr.Fields["photo"] == "" {
			t.Errorf("photo %q: err %v, want a validation error on photo", name, err)
		}
	}
	if posts, _ := store.ListRecentPosts(t.Context(), 10); len(posts) != 0 {
		t.Fatalf("stored %d posts", len(posts))
	}
}
