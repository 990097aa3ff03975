package redis_test

import (
	"context"
	"fmt"
	"log"

	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/redis"
)

type PostCreated struct{ ID int }

// Two nodes sharing a Redis channel: a broadcast on one reaches the
// subscribers of the other as the same Go type.
func ExampleNew() {
	channel := uniqueChannel() // in production, one fixed name per cluster
	newNode := func(name string) *pubsub.PubSub {
		ps, err := pubsub.New(pubsub.Options{
			Node:    name,
			Adapter: redis.New(redis.Options{Addr: "127.0.0.1:6379", Channel: channel}),
		})
		if err != nil {
			log.Fatal(err)
		}
		if err := pubsub.Register[PostCreated](ps, "blog.PostCreated"); err != nil {
			log.Fatal(err)
		}
		return ps
	}
	a, b := newNode("a"), newNode("b")
	defer a.Close()
	defer b.Close()

	sub, _ := b.Subscribe("posts")
	if err := a.Broadcast(context.Background(), "posts", PostCreated{ID: 42}); err != nil {
		log.Fatal(err)
	}
	m := <-sub.C()
	fmt.Printf("%s: %#v\n", m.Topic, m.Payload)
	// Output:
	// posts: redis_test.PostCreated{ID:42}
}
