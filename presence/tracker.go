package presence

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/templive/templive/pubsub"
)

// Options configures a [Tracker]. The zero value is valid.
type Options[M any] struct {
	// Fetch, if set, enriches presences before anyone sees them, like
	// Phoenix.Presence's fetch/2: it may replace the metas of p (for
	// example fill in user names loaded with one query for all of p's keys:
	// p[k].Metas[i].Value = enriched) but not add or remove keys or metas,
	// and never change what a meta's Value refers to in place — a map or
	// a pointer in M is shared with the Tracker's state, which other
	// goroutines read and other nodes are sent. Fetch must not call Close. It is called once per List or Get
	// with what they return, and for diffs with their joins and leaves
	// together in one Presences (a key in several of them has all their
	// metas), so a diff costs one query however many keys it holds.
	//
	// Diffs are fetched on a goroutine of the Tracker, so a slow Fetch
	// delays diffs but never blocks Track. While it runs, new diffs queue
	// up; the next call takes all the queued diffs of a topic at once, so
	// a burst of changes costs one query per topic, not one per change.
	// Diffs are still delivered one per change, in order. ctx is the
	// caller's for List and Get, and for diffs one that Close cancels. When
	// Fetch fails on diffs the error is logged and they are delivered as
	// Fetch left them, so subscribers never miss a change.
	Fetch func(ctx context.Context, topic string, p Presences[M]) error

	// Logger receives errors that have no caller to return to. The default
	// is [slog.Default].
	Logger *slog.Logger

	// Now returns the current time, for refs. The default is [time.Now].
	Now func() time.Time

	// Name tells apart the Trackers that share a PubSub; each replicates
	// on its own internal topic. Every node of a cluster must use the same
	// Name, and the same M, for one Tracker. The default is "presence".
	Name string

	// BroadcastPeriod paces replication at rest: an idle replica sends a
	// heartbeat every MaxSilentPeriods of them, and silent peers are
	// checked once per period. Changes do not wait for it: they are sent
	// at once, batched only when they come faster than one per 50 ms (or
	// per BroadcastPeriod, if that is shorter). The default is
	// [DefaultBroadcastPeriod].
	BroadcastPeriod time.Duration
	// MaxSilentPeriods is how many broadcast periods may pass without
	// changes before a heartbeat is sent anyway. The default is
	// [DefaultMaxSilentPeriods].
	MaxSilentPeriods int
	// DownPeriod is how long a peer may stay silent before its entries are
	// reported as leaves. They are kept, and join again if it comes back.
	// The default is [DefaultDownPeriod]; it should span several heartbeats.
	DownPeriod time.Duration
	// PermdownPeriod is how long a silent peer is remembered before its
	// entries are dropped. The default is [DefaultPermdownPeriod].
	PermdownPeriod time.Duration
}

// A Tracker tracks who is present on which topic, like Phoenix.Presence.
// Each entry is a meta of type M tracked under a key (a user id, say) on a
// topic, by an owner. Every change is delivered to the topic's local
// subscribers of the PubSub as a [Diff] of type Diff[M].
//
// # Owners
//
// The owner of an entry is the [context.Context] passed to Track: the
// context of the view, channel or request that is present. When it is done,
// the Tracker untracks every entry it owns and reports them as leaves, so a
// closed tab leaves every list with nothing to call. The Tracker watches
// each owner with [context.AfterFunc], not a goroutine. Update and Untrack
// name an entry by the same owner, topic and key, so pass them the very
// context that was passed to Track, not one derived from it.
//
// # Concurrency
//
// All methods are safe for concurrent use. Track, Update and Untrack never
// block on subscribers or on Fetch: they change the state, queue the diff
// and return, and List called after they return reflects the change. Diffs
// are delivered in the order of the changes, from one goroutine. Whoever
// calls [New] must call [Tracker.Close].
//
// # Nodes
//
// The Trackers of the same Options.Name on the nodes of the PubSub's cluster
// replicate their entries: List shows the entries of every node, and Diffs
// report changes made anywhere, each node computing its own. Entries can
// only be changed on the node that tracked them. See the package
// documentation for how replication works and what it guarantees.
type Tracker[M any] struct {
	ps      *pubsub.PubSub
	fetch   func(context.Context, string, Presences[M]) error
	log     *slog.Logger
	now     func() time.Time
	replica string
	refs    *refs

	mu     sync.Mutex // guards state, owners, closed, seq, joins, leaves
	state  *state[M]
	owners map[context.Context]*owner[M]
	closed bool
	seq    uint64 // the position of the last Diff queued for delivery

	joins, leaves uint64 // the metas of the Diffs queued, for Stats

	out *outbox[M]
	// changed wakes the replication goroutine after a local change, so a
	// change after a quiet period is sent at once instead of at the next
	// broadcast period.
	changed chan struct{}

	topic      string // of replication
	period     time.Duration
	maxSilent  int
	downPeriod time.Duration
	permdown   time.Duration

	ctx       context.Context // canceled by Close; given to Fetch for diffs
	cancel    context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// owner is a context that tracks entries, and the hook that untracks them.
// Most owners track a few entries, found by scanning; an owner with many
// also indexes them by topic and key.
type owner[M any] struct {
	stop    func() bool // unregisters the context.AfterFunc
	entries []*entry[M]
	index   map[topicKey]*entry[M] // nil until len(entries) > scanLimit
}

type topicKey struct{ topic, key string }

const scanLimit = 16

// New returns a Tracker that delivers diffs through ps and replicates its
// entries to the Trackers of the same Name on the other nodes of ps's
// cluster. It starts two goroutines, which [Tracker.Close] stops. It fails
// with [ErrInvalidOptions] if the replication periods do not make sense
// together, and if the replication messages cannot be registered with ps,
// which happens when another Tracker of the same Name but a different M
// uses ps.
func New[M any](ps *pubsub.PubSub, opts Options[M]) (*Tracker[M], error) {
	if ps == nil {
		panic("presence: New expects a non-nil PubSub")
	}
	t := &Tracker[M]{
		ps:         ps,
		fetch:      opts.Fetch,
		log:        opts.Logger,
		now:        opts.Now,
		replica:    ps.Node() + "#" + rand.Text()[:10],
		owners:     make(map[context.Context]*owner[M]),
		topic:      "templive.presence:" + cmp.Or(opts.Name, "presence"),
		period:     cmp.Or(opts.BroadcastPeriod, DefaultBroadcastPeriod),
		maxSilent:  cmp.Or(opts.MaxSilentPeriods, DefaultMaxSilentPeriods),
		downPeriod: cmp.Or(opts.DownPeriod, DefaultDownPeriod),
		permdown:   cmp.Or(opts.PermdownPeriod, DefaultPermdownPeriod),
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	t.log = t.log.With("layer", "presence")
	if t.now == nil {
		t.now = time.Now
	}
	if err := t.validate(); err != nil {
		return nil, err
	}
	if err := registerWire[M](ps, cmp.Or(opts.Name, "presence")); err != nil {
		return nil, err
	}
	sub, err := ps.SubscribeMailbox(pubsub.NewMailbox(replicationMailbox), t.topic)
	if err != nil {
		return nil, fmt.Errorf("presence: subscribe %s: %w", t.topic, err)
	}
	t.refs = newRefs(t.replica)
	t.state = newState[M](t.replica, true)
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.out = newOutbox[M]()
	t.changed = make(chan struct{}, 1)
	t.wg.Go(t.deliver)
	t.wg.Go(func() { t.replicate(sub) })
	return t, nil
}

// noteChange wakes the replication goroutine; it never blocks.
func (t *Tracker[M]) noteChange() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// validate checks the replication settings, after defaults.
func (t *Tracker[M]) validate() error {
	switch {
	case t.period <= 0 || t.maxSilent <= 0 || t.downPeriod <= 0 || t.permdown <= 0:
		return fmt.Errorf("%w: replication periods must be positive", ErrInvalidOptions)
	case t.downPeriod <= t.period*time.Duration(t.maxSilent):
		// Idle peers would be reported down between two heartbeats.
		return fmt.Errorf("%w: DownPeriod %v must exceed the idle heartbeat interval %v (BroadcastPeriod × MaxSilentPeriods)",
			ErrInvalidOptions, t.downPeriod, t.period*time.Duration(t.maxSilent))
	case t.permdown < t.downPeriod:
		return fmt.Errorf("%w: PermdownPeriod %v is shorter than DownPeriod %v", ErrInvalidOptions, t.permdown, t.downPeriod)
	}
	return nil
}

// replicationMailbox is the capacity of the mailbox of replication messages.
const replicationMailbox = 1024

// Replica returns the name of this Tracker's replica: the PubSub's node name
// and an incarnation id that is new for every Tracker.
func (t *Tracker[M]) Replica() string { return t.replica }

// Track starts tracking meta under key on topic, owned by ctx, and returns
// the new meta's ref. The entry is untracked when ctx is done; with a
// context that is never done, such as [context.Background], it stays until
// Untrack. Track fails with ctx's error if ctx is already done, with
// [ErrAlreadyTracked] if ctx already tracks key on topic, and with
// [ErrClosed] after Close.
func (t *Tracker[M]) Track(ctx context.Context, topic, key string, meta M) (string, error) {
	if err := context.Cause(ctx); err != nil {
		return "", fmt.Errorf("presence: track %s %s: %w", topic, key, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", fmt.Errorf("presence: track %s %s: %w", topic, key, ErrClosed)
	}
	o := t.owners[ctx]
	if o == nil {
		o = &owner[M]{}
		o.stop = context.AfterFunc(ctx, func() { t.ownerDone(ctx) })
		t.owners[ctx] = o
	} else if o.find(topic, key) != nil {
		return "", fmt.Errorf("presence: track %s %s: %w", topic, key, ErrAlreadyTracked)
	}
	e := t.state.add(topic, key, t.refs.next(t.now()), "", meta)
	o.add(e)
	t.queueLocked(diffOf(topic, []*entry[M]{e}, nil))
	t.noteChange()
	return e.ref, nil
}

// Update replaces the meta that ctx tracks under key on topic and returns
// the new ref. Subscribers see the old meta leave and the new one join with
// PrevRef set to the old ref. It fails with [ErrNotTracked] if ctx does not
// track key on topic.
func (t *Tracker[M]) Update(ctx context.Context, topic, key string, meta M) (string, error) {
	return t.UpdateFunc(ctx, topic, key, func(M) M { return meta })
}

// UpdateFunc is like Update, with the new meta computed from the current one
// by fn. fn runs with the Tracker locked: it must be quick and must not call
// the Tracker.
func (t *Tracker[M]) UpdateFunc(ctx context.Context, topic, key string, fn func(M) M) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return "", fmt.Errorf("presence: update %s %s: %w", topic, key, ErrClosed)
	}
	o := t.owners[ctx]
	var old *entry[M]
	if o != nil {
		old = o.find(topic, key)
	}
	if old == nil {
		return "", fmt.Errorf("presence: update %s %s: %w", topic, key, ErrNotTracked)
	}
	t.state.remove(old)
	e := t.state.add(topic, key, t.refs.next(t.now()), old.ref, fn(old.meta))
	o.replace(old, e)
	t.queueLocked(diffOf(topic, []*entry[M]{e}, []*entry[M]{old}))
	t.noteChange()
	return e.ref, nil
}

// Untrack stops tracking key on topic for ctx, and reports whether it was
// tracked. The other entries of ctx stay.
func (t *Tracker[M]) Untrack(ctx context.Context, topic, key string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.owners[ctx]
	if t.closed || o == nil {
		return false
	}
	e := o.find(topic, key)
	if e == nil {
		return false
	}
	o.replace(e, nil)
	if len(o.entries) == 0 {
		o.stop()
		delete(t.owners, ctx)
	}
	t.state.remove(e)
	t.queueLocked(diffOf(topic, nil, []*entry[M]{e}))
	t.noteChange()
	return true
}

// UntrackAll stops tracking every entry of ctx, on every topic, and returns
// how many there were. It is what happens by itself when ctx is done.
func (t *Tracker[M]) UntrackAll(ctx context.Context) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.owners[ctx]
	if t.closed || o == nil {
		return 0
	}
	o.stop()
	return t.dropOwnerLocked(ctx, o)
}

// ownerDone runs, through context.AfterFunc, when an owner's context is done.
func (t *Tracker[M]) ownerDone(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if o := t.owners[ctx]; !t.closed && o != nil {
		t.dropOwnerLocked(ctx, o)
	}
}

func (t *Tracker[M]) dropOwnerLocked(ctx context.Context, o *owner[M]) int {
	delete(t.owners, ctx)
	for _, e := range o.entries {
		t.state.remove(e)
	}
	for _, d := range diffsByTopic(nil, o.entries) {
		t.queueLocked(d)
		t.noteChange()
	}
	return len(o.entries)
}

// queueLocked numbers d and queues it for delivery. The numbers tell a
// [Batch] which Diffs the list it started from already holds.
func (t *Tracker[M]) queueLocked(d Diff[M]) {
	if d.IsEmpty() {
		return
	}
	t.seq++
	d.seq = t.seq
	t.joins += d.Joins.metas()
	t.leaves += d.Leaves.metas()
	t.out.push(d)
}

// List returns the presences on topic, passed through Options.Fetch. The
// result is the caller's to keep and change.
//
// List reads this node's replica, which holds the entries of every node:
// it takes the Tracker's lock once, copies the topic's entries, and makes
// one Options.Fetch call. That is cheap enough for a page's first render,
// before the browser connects, so a live view lists in every Mount and the
// GET shows who is present, while only the connected Mount subscribes and
// tracks. Subscribe before listing, so that no change falls between the
// two; [Presences.Sync] ignores a join the list already holds.
func (t *Tracker[M]) List(ctx context.Context, topic string) (Presences[M], error) {
	p, _, err := t.list(ctx, topic)
	return p, err
}

// ListBatch is List with a [Batch] for the Diffs that follow the list:
// the Batch ignores the Diffs the list already holds and merges the
// others, so that a subscriber can pass them on at most once per every
// (every change at once when zero). Subscribe to topic first, so that no
// change falls between the list and the Diffs.
func (t *Tracker[M]) ListBatch(ctx context.Context, topic string, every time.Duration) (Presences[M], *Batch[M], error) {
	p, seq, err := t.list(ctx, topic)
	if err != nil {
		return nil, nil, err
	}
	return p, newBatch[M](topic, seq, every), nil
}

// list returns the presences on topic and the position of the last Diff
// they hold.
func (t *Tracker[M]) list(ctx context.Context, topic string) (Presences[M], uint64, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, 0, fmt.Errorf("presence: list %s: %w", topic, ErrClosed)
	}
	seq := t.seq
	byKey := t.state.topics[topic]
	n := 0
	for _, head := range byKey {
		for e := head; e != nil; e = e.next {
			n++
		}
	}
	// One array backs the metas of every key.
	metas := make([]Meta[M], 0, n)
	p := make(Presences[M], len(byKey))
	var es []*entry[M]
	for key, head := range byKey {
		start := len(metas)
		es = chain(head, es[:0])
		metas = t.appendMetasLocked(metas, es)
		if len(metas) > start {
			p[key] = Presence[M]{Metas: metas[start:len(metas):len(metas)]}
		}
	}
	t.mu.Unlock()
	if err := t.fetchList(ctx, topic, p); err != nil {
		return nil, 0, fmt.Errorf("presence: list %s: %w", topic, err)
	}
	return p, seq, nil
}

// Get returns the presence of key on topic, passed through Options.Fetch.
// When key is not present the presence has no metas, and Fetch is not
// called.
func (t *Tracker[M]) Get(ctx context.Context, topic, key string) (Presence[M], error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return Presence[M]{}, fmt.Errorf("presence: get %s %s: %w", topic, key, ErrClosed)
	}
	es := chain(t.state.topics[topic][key], nil)
	pr := Presence[M]{Metas: t.appendMetasLocked(make([]Meta[M], 0, len(es)), es)}
	t.mu.Unlock()
	if len(pr.Metas) == 0 {
		return Presence[M]{}, nil
	}
	if err := t.fetchList(ctx, topic, Presences[M]{key: pr}); err != nil {
		return Presence[M]{}, fmt.Errorf("presence: get %s %s: %w", topic, key, err)
	}
	return pr, nil
}

// appendMetasLocked appends the visible metas of es.
func (t *Tracker[M]) appendMetasLocked(metas []Meta[M], es []*entry[M]) []Meta[M] {
	for _, e := range es {
		if t.state.visible(e) {
			metas = append(metas, e.toMeta())
		}
	}
	return metas
}

func (t *Tracker[M]) fetchList(ctx context.Context, topic string, p Presences[M]) error {
	if t.fetch == nil || len(p) == 0 {
		return nil
	}
	return t.fetch(ctx, topic, p)
}

// A TopicInfo is a topic with presences, for [Tracker.Topics].
type TopicInfo struct {
	Name string
	Keys int // presences: keys with at least one meta
}

// Topics returns the topics with presences as this node sees the cluster,
// sorted by name, for an operator's dashboard. It visits every topic: call
// it at a human's rate.
func (t *Tracker[M]) Topics() []TopicInfo {
	t.mu.Lock()
	out := make([]TopicInfo, 0, len(t.state.topics))
	for name, byKey := range t.state.topics {
		n := 0
		for _, head := range byKey {
			for e := head; e != nil; e = e.next {
				if t.state.visible(e) {
					n++
					break
				}
			}
		}
		if n > 0 {
			out = append(out, TopicInfo{Name: name, Keys: n})
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Close stops the Tracker: later calls fail with [ErrClosed] or do nothing,
// owners are no longer watched, the diffs queued before Close are delivered
// and the other nodes are told that this replica's entries are gone, all
// before Close returns. No diffs are delivered on this node for the entries
// Close drops. Close is idempotent and always returns nil; it does not close
// the PubSub, which must outlive the Tracker. It waits for the Tracker's
// goroutines, so Fetch and the PubSub's OnError must not call it.
func (t *Tracker[M]) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		for _, o := range t.owners {
			o.stop()
		}
		t.owners = nil
		t.mu.Unlock()
		t.cancel()
		t.out.close()
		t.wg.Wait()
	})
	return nil
}

func (o *owner[M]) find(topic, key string) *entry[M] {
	if o.index != nil {
		return o.index[topicKey{topic, key}]
	}
	for _, e := range o.entries {
		if e.topic == topic && e.key == key {
			return e
		}
	}
	return nil
}

func (o *owner[M]) add(e *entry[M]) {
	o.entries = append(o.entries, e)
	switch {
	case o.index != nil:
		o.index[topicKey{e.topic, e.key}] = e
	case len(o.entries) > scanLimit:
		o.index = make(map[topicKey]*entry[M], len(o.entries))
		for _, x := range o.entries {
			o.index[topicKey{x.topic, x.key}] = x
		}
	}
}

// replace swaps old for e, an entry of the same topic and key, in o's
// entries, or removes old when e is nil.
func (o *owner[M]) replace(old, e *entry[M]) {
	if o.index != nil {
		k := topicKey{old.topic, old.key}
		if e != nil {
			o.index[k] = e
		} else {
			delete(o.index, k)
		}
	}
	for i, x := range o.entries {
		if x != old {
			continue
		}
		if e != nil {
			o.entries[i] = e
			return
		}
		last := len(o.entries) - 1
		o.entries[i] = o.entries[last]
		o.entries[last] = nil
		o.entries = o.entries[:last]
		return
	}
}
