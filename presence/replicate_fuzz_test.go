package presence

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// FuzzReplicationMessages sends a Tracker arbitrary replication messages,
// as a hostile or broken peer could, through a real PubSub: nothing may
// panic, the Tracker must go on handling messages, and its own entries
// never change.
func FuzzReplicationMessages(f *testing.F) {
	f.Add([]byte(`[{"kind":"heartbeat","from":"n2#a","clock":1,"state":{"seen":1,"entries":[{"c":1,"t":"room:1","k":"bob","r":"B1","m":2}]}}]`))
	f.Add([]byte(`[{"kind":"transfer","from":"n2#a","to":"x","clock":3,"state":{"seen":3,"after":2}},{"kind":"leave","from":"n2#a"}]`))
	f.Add([]byte(`[{"kind":"request","from":"n2#a","to":"n1#b"},{"kind":"heartbeat","from":"n2#b","clock":18446744073709551615}]`))
	f.Add([]byte(`[{"kind":"heartbeat","from":"n1#zzz","clock":2,"state":{"dots":[1,2,3],"entries":[{"c":2,"t":"","k":"","r":"","m":0}]}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var msgs []message[int]
		if json.Unmarshal(data, &msgs) != nil || len(msgs) > 32 {
			return
		}
		ps, err := pubsub.New(pubsub.Options{Node: "n1"})
		if err != nil {
			t.Fatal(err)
		}
		defer ps.Close()
		tr, err := New(ps, Options[int]{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ref, err := tr.Track(ctx, "room:1", "alice", 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if err := ps.Broadcast(ctx, tr.topic, m); err != nil {
				t.Fatal(err)
			}
		}
		// A probe from a replica no fuzzed message names: once its entry is
		// listed, every message before it was handled.
		probe := message[int]{Kind: kindHeartbeat, From: "probe#" + ref, Clock: 1, State: &wireState[int]{
			Seen: 1, Entries: []wireEntry[int]{{Clock: 1, Topic: "probe", Key: "p", Ref: "P1", Meta: 1}},
		}}
		if err := ps.Broadcast(ctx, tr.topic, probe); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			l, err := tr.List(ctx, "probe")
			if err != nil {
				t.Fatal(err)
			}
			if len(l["p"].Metas) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the tracker stopped handling messages after %s", data)
			}
			time.Sleep(time.Millisecond)
		}
		l, err := tr.List(ctx, "room:1")
		if err != nil {
			t.Fatal(err)
		}
		if got := l["alice"].Metas; len(got) != 1 || got[0].Ref != ref || got[0].Value != 1 {
			t.Fatalf("the tracker's own entry changed to %+v after %s", got, data)
		}
	})
}
