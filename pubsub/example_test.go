package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/templive/templive/pubsub"
)

// PostCreated is what the blog broadcasts after it has stored a post.
type PostCreated struct {
	ID     int
	Author string
	Title  string
}

// The pattern from Phoenix: the business logic broadcasts after a successful
// operation; views subscribe and react by type-switching on the payload.
func Example() {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ps.Close()

	// A view subscribes to every post and to its user's posts.
	all, _ := ps.Subscribe("posts")
	mine, _ := ps.SubscribeMailbox(all.Mailbox(), "users:7:posts")
	defer all.Close()
	defer mine.Close()

	// The blog, after the insert committed:
	post := PostCreated{ID: 42, Author: "7", Title: "Hello"}
	ctx := context.Background()
	ps.Broadcast(ctx, "posts", post)
	ps.Broadcast(ctx, "users:"+post.Author+":posts", post)

	// The view's goroutine reads one mailbox for both subscriptions.
	for range 2 {
		m := <-all.C()
		switch p := m.Payload.(type) {
		case PostCreated:
			fmt.Printf("%s: post %d %q\n", m.Topic, p.ID, p.Title)
		}
	}
	// Output:
	// posts: post 42 "Hello"
	// users:7:posts: post 42 "Hello"
}

// BroadcastFrom tells everyone else in a room that a user is typing, without
// echoing it back to the user's own mailbox.
func ExamplePubSub_BroadcastFrom() {
	ps, _ := pubsub.New(pubsub.Options{})
	defer ps.Close()

	alice, _ := ps.Subscribe("room:lobby")
	bob, _ := ps.Subscribe("room:lobby")

	ps.BroadcastFrom(context.Background(), alice.Mailbox(), "room:lobby", "alice is typing")

	fmt.Println("bob:", (<-bob.C()).Payload)
	fmt.Println("alice has", alice.Mailbox().Len(), "messages")
	// Output:
	// bob: alice is typing
	// alice has 0 messages
}

// A reader that falls behind is told so, and is never handed a message past
// the gap until it acknowledges the loss with Resume.
func ExampleMailbox_Overflow() {
	ps, _ := pubsub.New(pubsub.Options{OnError: func(err error) {
		fmt.Println("reported:", errors.Is(err, pubsub.ErrOverflow))
	}})
	defer ps.Close()

	mb := pubsub.NewMailbox(2)
	sub, _ := ps.SubscribeMailbox(mb, "ticks")
	defer sub.Close()
	for i := range 4 {
		ps.LocalBroadcast("ticks", i)
	}

	select {
	case <-mb.Overflow():
		fmt.Println("lagged:", mb.Lagged(), "dropped:", mb.Dropped())
	default:
	}
	// Resynchronise: discard what predates the gap, then reload state
	// from the source of truth, then carry on.
	fmt.Println("discarded:", mb.Resume())
	ps.LocalBroadcast("ticks", 4)
	fmt.Println("next:", (<-mb.C()).Payload)
	// Output:
	// reported: true
	// lagged: true dropped: 2
	// discarded: 2
	// next: 4
}

// Two nodes joined by an in-memory cluster: a value broadcast on one arrives
// on the other as the same Go type, because both registered it under the
// same name.
func ExampleNewMemoryCluster() {
	cluster := pubsub.NewMemoryCluster()
	a, _ := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a")})
	b, _ := pubsub.New(pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	defer a.Close()
	defer b.Close()
	for _, ps := range []*pubsub.PubSub{a, b} {
		if err := pubsub.Register[PostCreated](ps, "blog.PostCreated"); err != nil {
			log.Fatal(err)
		}
	}

	sub, _ := b.Subscribe("posts")
	defer sub.Close()
	a.Broadcast(context.Background(), "posts", PostCreated{ID: 1, Title: "From a"})

	m := <-sub.C()
	fmt.Printf("%T %+v\n", m.Payload, m.Payload)
	// Output:
	// pubsub_test.PostCreated {ID:1 Author: Title:From a}
}

// Values of a type that was not registered cannot cross nodes: Broadcast
// says so instead of delivering to half the cluster.
func ExamplePubSub_Register() {
	cluster := pubsub.NewMemoryCluster()
	ps, _ := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a")})
	defer ps.Close()

	type Secret struct{ Code string }
	err := ps.Broadcast(context.Background(), "s", Secret{"x"})
	fmt.Println(errors.Is(err, pubsub.ErrUnregistered))

	ps.Register("demo.Secret", Secret{})
	err = ps.Broadcast(context.Background(), "s", Secret{"x"})
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// LocalBroadcast stays on this node: presence diffs, for instance, are
// computed on every node and must not be relayed again.
func ExamplePubSub_LocalBroadcast() {
	cluster := pubsub.NewMemoryCluster()
	a, _ := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a")})
	b, _ := pubsub.New(pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	defer a.Close()
	defer b.Close()

	onA, _ := a.Subscribe("presence:lobby")
	onB, _ := b.Subscribe("presence:lobby")
	a.LocalBroadcast("presence:lobby", "a's diff")
	a.Broadcast(context.Background(), "presence:lobby", "for everyone")

	fmt.Println("a:", (<-onA.C()).Payload, "then", (<-onA.C()).Payload)
	fmt.Println("b:", (<-onB.C()).Payload)
	// Output:
	// a: a's diff then for everyone
	// b: for everyone
}
