// Package presence tracks who is present on a topic, like Phoenix.Presence:
// the users in a chat room, the tabs open on a document, the devices of an
// account. It sits on a [pubsub.PubSub] and tells the topic's subscribers
// about every change.
//
//	tracker, err := presence.New(ps, presence.Options[RoomMeta]{})
//	defer tracker.Close()
//
//	// in a live view's Mount, when connected; the view's context owns the
//	// entry, which leaves when the view ends:
//	if s.Connected() {
//		s.Subscribe("room:42")
//		_, err = tracker.Track(s.Context(), "room:42", userID, RoomMeta{Typing: false})
//	}
//	// in every Mount, the GET's too, so that the first render shows who is
//	// here (List is a cheap local read):
//	v.online, err = tracker.List(ctx, "room:42")
//
//	// in the view's HandleInfo:
//	switch diff := msg.(type) {
//	case presence.Diff[RoomMeta]:
//		v.online.Sync(diff)
//	}
//
// A view that receives bursts of diffs lists with [Tracker.ListBatch]
// instead, and merges each burst with a [Batch] (see Diffs below).
//
// # Entries, keys and metas
//
// A [Tracker] holds entries. Each is a meta of the user's type M, tracked
// under a key on a topic by an owner. One key may have several metas (one
// user with two tabs open is two entries under one key), and [Tracker.List]
// groups them: key → [Presence] → metas. Each meta has a ref unique in the
// cluster (Phoenix's phx_ref: the url-safe base64 of the time, a hash of the
// replica and a counter). [Tracker.Update] replaces a meta with a new one
// under a new ref whose PrevRef (phx_ref_prev) is the old ref.
//
// # Owners
//
// The owner of an entry is the [context.Context] passed to [Tracker.Track]:
// a live view's or a channel's context, or any context whose end means "gone".
// When the owner is done the Tracker untracks its entries on every topic and
// reports them as leaves, so a closed tab leaves every list without anyone
// calling [Tracker.Untrack]. The Tracker watches each owner with
// [context.AfterFunc] (no goroutine per owner) and stops watching when the
// owner's last entry is untracked. Update and Untrack identify an entry by
// owner, topic and key, so they must be given the same context as Track.
//
// # Diffs
//
// Every change is delivered, with [pubsub.PubSub.LocalBroadcast], to the
// topic's subscribers on this node as a value of type [Diff][M], whose Joins
// and Leaves are [Presences] keyed like List. An update is a leave of the old
// meta and a join of the new one in the same Diff. [Presences.Sync] applies a
// Diff to a list the way the phoenix JavaScript client does, so a view keeps
// the result of List current. Diffs are built when the change is made and
// delivered in order by one goroutine of the Tracker, so Track, Update and
// Untrack never wait for subscribers or for Options.Fetch.
//
// A subscriber that passes Diffs on, a channel pushing presence_diff to
// its client or a view re-rendering its list, can merge a burst of them
// with a [Batch] from [Tracker.ListBatch]: one Diff per burst, at most one
// per interval, in which a meta that joined and left in between does not
// appear. A flood of joins and leaves then costs each listener a few
// small pushes instead of one per change.
//
// Options.Fetch is the counterpart of Phoenix's fetch/2: it enriches what
// List and Get return and every Diff before delivery, with one call for all
// the keys of a Diff (or of all the Diffs of a topic that queued up while
// the previous call ran), so loading user names costs one query per change,
// or fewer, rather than one per entry.
//
// # Wire format
//
// [Presences] marshals to the payload of Phoenix's presence_state event and
// [Diff] to that of presence_diff, exactly as the phoenix npm client expects:
//
//	{"alice": {"metas": [{"phx_ref": "GJ7v…", "typing": false}]}}
//	{"joins": {"alice": {"metas": [{"phx_ref": "…", "phx_ref_prev": "…", …}]}}, "leaves": {…}}
//
// The fields of a meta are flattened next to phx_ref and phx_ref_prev, so M
// must marshal to a JSON object, a struct or a map, without fields of those
// names. A channel pushes List's result and each Diff as they are.
//
// # Replication
//
// Trackers of the same Options.Name on the nodes of a PubSub cluster
// replicate their entries, so List on any node shows who is present on
// every node, and each node's subscribers get Diffs for changes made
// anywhere. The state is a delta-state observed-remove set, the CRDT of
// Phoenix.Tracker. Each Tracker is one replica, named by its node and an
// incarnation id that is new every time it starts ([Tracker.Replica]). A
// replica owns the entries it tracked and tags each with a dot: the replica
// and the value of its clock when the entry was added (removes move the
// clock too). The state also keeps a causal context, every dot it has seen.
// Merging a remote state or delta yields joins (entries whose dots were
// never seen here) and leaves (entries the remote has seen and no longer
// holds), which become the Diffs of the receiving node: each node computes
// its own Diffs, and only deltas cross the network. Merges are idempotent,
// commutative and associative, so deltas that arrive twice, late or out of
// order do no harm.
//
// A replica broadcasts the delta of its own changes, with its clock, as
// soon as they happen, batching the changes that come within 50 ms of the
// last delta; when nothing changed it still sends an empty heartbeat every
// MaxSilentPeriods broadcast periods. A replica that sees a
// heartbeat whose clock is ahead of what it has merged (a delta was lost:
// cross-node delivery is at most once) asks the sender for its full state,
// and a replica that hears from a new peer sends it its own full state at
// once, so a node that joins the cluster lists everyone within one
// round trip. Full states travel in parts of at most 500 entries and about
// 256 KB, so no message grows with the number of presences or the size of
// their metas (brokers limit message sizes: NATS to 1 MB by default; a
// single meta too big for any message is not replicated, and logged),
// and a burst of changes too big for one heartbeat is not sent as a delta:
// peers see from the heartbeat's clock that they are behind, and ask for
// the full state. A peer silent for Options.DownPeriod has its entries reported
// as leaves but kept; if it is heard from again they join again, once, and
// the next transfer settles what changed meanwhile. A peer silent for
// PermdownPeriod is forgotten. A Tracker that closes tells its peers, which
// report its entries as leaves at once.
//
// The replication messages travel on the internal topic
// "templive.presence:<Name>" as a type registered with the PubSub's codec
// under "presence.<Name>", so M must survive the codec (with the default
// JSON codec: exported fields, or MarshalJSON and UnmarshalJSON).
package presence
