package content_test

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/templive/templive/examples/demo/content"
)

func TestBodiesAreValidated(t *testing.T) {
	t.Parallel()
	const tooLong = "should be at most 280 characters"
	tests := []struct {
		name     string
		userID   string
		body     string
		wantBody string            // stored body, when valid
		want     map[string]string // validation messages, when invalid
	}{
		{name: "an empty body is refused", userID: "alice", body: "",
			want: map[string]string{"body": "can't be blank"}},
		{name: "a body of only white space is refused", userID: "alice", body: " \t\n\u00a0 ",
			want: map[string]string{"body": "can't be blank"}},
		{name: "a body of 281 ASCII characters is refused", userID: "alice", body: strings.Repeat("a", 281),
			want: map[string]string{"body": tooLong}},
		{name: "a body of 281 multibyte characters is refused", userID: "alice", body: strings.Repeat("é", 281),
			want: map[string]string{"body": tooLong}},
		{name: "a body that is not UTF-8 is refused", userID: "alice", body: "caf\xe9",
			want: map[string]string{"body": "contains invalid characters"}},
		{name: "an empty user and body are both reported", userID: "", body: "",
			want: map[string]string{"user_id": "can't be blank", "body": "can't be blank"}},
		{name: "a body of exactly 280 ASCII characters is accepted", userID: "alice",
			body: strings.Repeat("a", 280), wantBody: strings.Repeat("a", 280)},
		{name: "a body of exactly 280 multibyte characters is accepted", userID: "alice",
			body: strings.Repeat("日", 140) + strings.Repeat("🙂", 140), wantBody: strings.Repeat("日", 140) + strings.Repeat("🙂", 140)},
		{name: "surrounding white space does not count towards the limit", userID: "alice",
			body: "  " + strings.Repeat("é", 280) + "\n\n", wantBody: strings.Repeat("é", 280)},
	}
	ops := []struct {
		name string
		run  func(s *content.Store, id int64, userID, body string) (content.Post, error)
	}{
		{"create", func(s *content.Store, _ int64, userID, body string) (content.Post, error) {
			return s.CreatePost(t.Context(), userID, body)
		}},
		{"update", func(s *content.Store, id int64, userID, body string) (content.Post, error) {
			return s.UpdatePost(t.Context(), userID, id, body)
		}},
	}
	for _, op := range ops {
		for _, tt := range tests {
			t.Run(op.name+": "+tt.name, func(t *testing.T) {
				t.Parallel()
				store, ps := newStore(t)
				original, err := store.CreatePost(t.Context(), "alice", "original")
				if err != nil {
					t.Fatal(err)
				}
				all := subscribe(t, ps, content.TopicPosts)

				post, err := op.run(store, original.ID, tt.userID, tt.body)
				if tt.want == nil {
					if err != nil {
						t.Fatal(err)
					}
					if post.Body != tt.wantBody {
						t.Fatalf("stored %q, want %q", post.Body, tt.wantBody)
					}
					return
				}
				var verr *content.ValidationError
				if !errors.As(err, &verr) {
					t.Fatalf("error %v, want a *ValidationError", err)
				}
				if !maps.Equal(verr.Fields, tt.want) {
					t.Fatalf("fields %q, want %q", verr.Fields, tt.want)
				}
				if !errors.Is(err, content.ErrInvalid) {
					t.Fatalf("errors.Is(%v, ErrInvalid) is false", err)
				}
				posts, err := store.ListRecentPosts(t.Context(), 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(posts) != 1 {
					t.Fatalf("%d posts stored, want only the original", len(posts))
				}
				assertPost(t, posts[0], original)
				assertNothing(t, all)
			})
		}
	}
}

func TestValidationErrorListsFieldsInOrder(t *testing.T) {
	t.Parallel()
	err := &content.ValidationError{Fields: map[string]string{"user_id": "can't be blank", "body": "can't be blank"}}
	const want = "content: invalid post: body can't be blank; user_id can't be blank"
	if got := err.Error(); got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}
