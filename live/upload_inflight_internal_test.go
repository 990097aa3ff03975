package live

import (
	"testing"
	"time"

	"github.com/templive/templive/live/channel"
)

func TestAnEntryDiscardedAfterItWasFoundIsNotAdopted(t *testing.T) {
	reg := uploadRegistry{resumeFor: time.Hour}
	old := &viewUploads{conn: &channel.ConnectInfo{}}
	in := reg.add(&inflight{viewID: "v1", name: "photos", ref: "0", fileName: "a.png", size: 3, owner: old})
	reg.release(in, old, false) // the connection dropped: orphaned

	now := &viewUploads{conn: &channel.ConnectInfo{}}
	found := reg.orphaned("v1", now.conn, "photos", "0", "a.png", 3)
	if found != in {
		t.Fatalf("orphaned found %v, want the released entry", found)
	}
	// Its expiry fires between the lookup and the adoption.
	if err := reg.discard(in); err != nil {
		t.Fatal(err)
	}
	if reg.adopt(found, now) {
		t.Fatal("a discarded entry was adopted: the view would resume bytes that are gone")
	}
	if reg.len() != 0 {
		t.Fatalf("the registry holds %d entries, want 0", reg.len())
	}
}
