package presence_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// RoomMeta is what a chat room tracks about each user present.
type RoomMeta struct {
	Name   string `json:"name,omitempty"`
	Typing bool   `json:"typing"`
}

// A view of a chat room subscribes to the room's topic, tracks its user
// with its own context as the owner, lists who is there and then keeps the
// list current from the diffs it receives. When the view's context ends,
// the user leaves every list by itself.
func Example() {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		panic(err)
	}
	defer ps.Close()
	tracker, err := presence.New(ps, presence.Options[RoomMeta]{})
	if err != nil {
		panic(err)
	}
	defer tracker.Close()

	// The view's context: cancelled when its tab closes.
	view, closeTab := context.WithCancel(context.Background())

	sub, _ := ps.Subscribe("room:lobby")
	defer sub.Close()
	tracker.Track(view, "room:lobby", "alice", RoomMeta{})
	online, _ := tracker.List(view, "room:lobby")

	tracker.UpdateFunc(view, "room:lobby", "alice", func(m RoomMeta) RoomMeta {
		m.Typing = true
		return m
	})
	closeTab()

	for range 3 {
		msg := <-sub.C()
		switch diff := msg.Payload.(type) {
		case presence.Diff[RoomMeta]:
			online.Sync(diff)
			fmt.Printf("joins %v, leaves %v: online %v\n", diff.Joins.Keys(), diff.Leaves.Keys(), online.Keys())
		}
	}
	// Output:
	// joins [alice], leaves []: online [alice]
	// joins [alice], leaves [alice]: online [alice]
	// joins [], leaves [alice]: online []
}

// Fetch enriches presences before they are listed or delivered. Here it
// loads display names once per call, for every key at once.
func ExampleOptions_fetch() {
	users := map[string]string{"u1": "Alice", "u2": "Bob"}
	loadNames := func(ctx context.Context, ids []string) (map[string]string, error) {
		return users, nil // one query for all ids
	}

	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		panic(err)
	}
	defer ps.Close()
	tracker, err := presence.New(ps, presence.Options[RoomMeta]{
		Fetch: func(ctx context.Context, topic string, p presence.Presences[RoomMeta]) error {
			names, err := loadNames(ctx, p.Keys())
			if err != nil {
				return err
			}
			for id, pr := range p {
				for i := range pr.Metas {
					pr.Metas[i].Value.Name = names[id]
				}
			}
			return nil
		},
	})
	if err != nil {
		panic(err)
	}
	defer tracker.Close()

	ctx := context.Background()
	tracker.Track(ctx, "room:lobby", "u1", RoomMeta{})
	tracker.Track(ctx, "room:lobby", "u2", RoomMeta{Typing: true})
	online, _ := tracker.List(ctx, "room:lobby")
	for _, id := range online.Keys() {
		m := online[id].Metas[0].Value
		fmt.Printf("%s typing=%v\n", m.Name, m.Typing)
	}
	// Output:
	// Alice typing=false
	// Bob typing=true
}

// Presences and Diff marshal to Phoenix's presence_state and presence_diff
// payloads, so a channel pushes them as they are to the phoenix JavaScript
// client.
func ExampleDiff() {
	diff := presence.Diff[RoomMeta]{
		Joins: presence.Presences[RoomMeta]{"alice": {Metas: []presence.Meta[RoomMeta]{
			{Ref: "GJ7v0Zbq1NoAAQAC", PrevRef: "GJ7v0Zbq1NoAAQAB", Value: RoomMeta{Typing: true}},
		}}},
		Leaves: presence.Presences[RoomMeta]{"alice": {Metas: []presence.Meta[RoomMeta]{
			{Ref: "GJ7v0Zbq1NoAAQAB", Value: RoomMeta{}},
		}}},
	}
	b, _ := json.MarshalIndent(diff, "", "  ")
	fmt.Println(strings.ReplaceAll(string(b), "\n\n", "\n"))
	// Output:
	// {
	//   "joins": {
	//     "alice": {
	//       "metas": [
	//         {
	//           "phx_ref": "GJ7v0Zbq1NoAAQAC",
	//           "phx_ref_prev": "GJ7v0Zbq1NoAAQAB",
	//           "typing": true
	//         }
	//       ]
	//     }
	//   },
	//   "leaves": {
	//     "alice": {
	//       "metas": [
	//         {
	//           "phx_ref": "GJ7v0Zbq1NoAAQAB",
	//           "typing": false
	//         }
	//       ]
	//     }
	//   }
	// }
}
