package nats_test

import (
	"context"
	"fmt"
	"log"

	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/nats"
)

type PostCreated struct{ ID int }

// Two nodes sharing a NATS subject: a broadcast on one reaches the
// subscribers of the other as the same Go type.
func ExampleNew() {
	subject := uniqueSubject() // in production, one fixed name per cluster
	newNode := func(name string) *pubsub.PubSub {
		ps, err := pubsub.New(pubsub.Options{
			Node:    name,
			Adapter: nats.New(nats.Options{URL: "nats://127.0.0.1:4222", Subject: subject}),
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
	// posts: nats_test.PostCreated{ID:42}
}
