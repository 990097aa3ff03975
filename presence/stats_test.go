package presence_test

import (
	"context"
	"testing"

	"github.com/templive/templive/presence"
)

func TestStatsCountJoinsLeavesAndTopics(t *testing.T) {
	t.Parallel()
	tr, _ := newTracker(t, presence.Options[roomMeta]{})
	ctx := context.Background()
	for _, p := range []struct{ topic, key string }{{"room:a", "ada"}, {"room:a", "bob"}, {"room:b", "cy"}} {
		if _, err := tr.Track(ctx, p.topic, p.key, roomMeta{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tr.Update(ctx, "room:a", "ada", roomMeta{}); err != nil {
		t.Fatal(err)
	}
	tr.Untrack(ctx, "room:b", "cy")
	// Three tracks, an update (a join and a leave), an untrack.
	want := presence.Stats{Joins: 4, Leaves: 2, Topics: 1}
	if got := tr.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}
