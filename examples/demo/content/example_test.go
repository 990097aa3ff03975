package content_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/pubsub"
)

// The pattern from the brief: the context writes, and only then broadcasts;
// a feed subscribed to the topic reacts to the typed message.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "content-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ps.Close()
	store, err := content.Open(ctx, filepath.Join(dir, "data", "demo.db"), ps)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	// A feed view subscribes when it mounts.
	feed, err := ps.Subscribe(content.TopicPosts)
	if err != nil {
		log.Fatal(err)
	}
	defer feed.Close()

	post, err := store.CreatePost(ctx, "alice", "  Hello, world!  ")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.UpdatePost(ctx, "bob", post.ID, "Mine now"); errors.Is(err, content.ErrForbidden) {
		fmt.Println("bob may not edit alice's post")
	}
	_, err = store.CreatePost(ctx, "alice", "   ")
	var invalid *content.ValidationError
	if errors.As(err, &invalid) {
		fmt.Println("body", invalid.Fields["body"])
	}

	// Only the successful write was announced.
	fmt.Println(feed.Mailbox().Len(), "message")
	m := <-feed.C()
	switch msg := m.Payload.(type) {
	case content.PostCreated:
		fmt.Printf("%s: %s posted %q\n", m.Topic, msg.Post.UserID, msg.Post.Body)
	}
	// Output:
	// bob may not edit alice's post
	// body can't be blank
	// 1 message
	// posts: alice posted "Hello, world!"
}
