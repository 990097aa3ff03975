package presence

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/templive/templive/pubsub"
)

// deltaInterval is the shortest time between two deltas of a replica:
// changes closer together than this are batched.
const deltaInterval = 50 * time.Millisecond

// timerC returns t's channel, or nil (which blocks forever) for no timer.
func timerC(t *time.Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C
}

// Replication defaults, Phoenix.Tracker's.
const (
	DefaultBroadcastPeriod  = 1500 * time.Millisecond
	DefaultMaxSilentPeriods = 10
	DefaultDownPeriod       = 30 * time.Second
	DefaultPermdownPeriod   = 20 * time.Minute
)

// peer is what a Tracker knows of another replica. Peers are owned by the
// replication goroutine.
type peer struct {
	node      string
	heard     time.Time // when the last message from it arrived
	requested time.Time // when a full state was last asked of it
	down      bool
	partSeen  uint64 // Seen of the last part of a transfer merged, 0 if none or one was lost
}

// replicate runs on a goroutine of the Tracker until Close: it sends this
// replica's deltas and heartbeats, merges what peers send and notices peers
// that fall silent.
//
// Local changes are sent as soon as they happen, but at most once per
// delta interval: a change after a quiet spell goes at once, and those
// that follow it within the interval travel together in one delta when it
// ends. So a join shows on the other nodes within a transport delay when
// the node is calm, and within the interval when it is busy, while a busy
// node sends at most one delta per interval. The broadcast period paces
// the heartbeats of an idle node and the checks of silent peers.
func (t *Tracker[M]) replicate(sub *pubsub.Subscription) {
	defer sub.Close()
	ticker := time.NewTicker(t.period)
	defer ticker.Stop()
	peers := make(map[string]*peer)
	silent := 0
	t.heartbeat(sub, true) // announce this replica at once
	lastSent := time.Now()
	interval := min(t.period, deltaInterval)
	var flush *time.Timer // pending while changes wait for the interval to end
	defer func() {
		if flush != nil {
			flush.Stop()
		}
	}()
	send := func() {
		if t.heartbeat(sub, false) {
			lastSent, silent = time.Now(), 0
		}
	}
	for {
		select {
		case <-t.ctx.Done():
			t.send(sub, "", message[M]{Kind: kindLeave, From: t.replica})
			return
		case msg := <-sub.C():
			if m, ok := msg.Payload.(message[M]); ok {
				t.receive(sub, peers, m)
			}
		case <-sub.Mailbox().Overflow():
			// Messages were lost: start over from every peer's full state.
			sub.Mailbox().Resume()
			t.log.Warn("replication mailbox overflowed; asking peers for their state",
				slog.String("replica", t.replica))
			for rep, p := range peers {
				p.requested = time.Time{}
				t.request(sub, rep, p)
			}
		case <-t.changed:
			if flush != nil {
				break // the pending delta will carry this change too
			}
			if wait := interval - time.Since(lastSent); wait > 0 {
				flush = time.NewTimer(wait)
				break
			}
			send()
		case <-timerC(flush):
			flush = nil
			send()
		case <-ticker.C:
			silent++
			if t.heartbeat(sub, silent >= t.maxSilent) {
				lastSent, silent = time.Now(), 0
			}
			t.checkPeers(peers)
		}
	}
}

// heartbeat sends the delta recorded since the last one, if any, or an
// empty heartbeat if force is set. It reports whether it sent something.
func (t *Tracker[M]) heartbeat(sub *pubsub.Subscription, force bool) bool {
	t.mu.Lock()
	d := t.state.takeDelta()
	clock := t.state.clock
	t.mu.Unlock()
	if d == nil && !force {
		return false
	}
	m := message[M]{Kind: kindHeartbeat, From: t.replica, Clock: clock}
	if d != nil {
		// A burst too big for one message is not sent: the heartbeat's
		// clock tells peers they are behind, and they ask for the full
		// state, which travels in parts.
		if w := encodeState(d, t.replica); len(w.Entries) <= transferPart && len(w.Dots) <= 20*transferPart && fits(w) {
			m.State = w
		}
	}
	t.send(sub, "", m)
	return true
}

// send broadcasts m to every peer, or to the node of replica to.
func (t *Tracker[M]) send(sub *pubsub.Subscription, to string, m message[M]) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), t.period)
	defer cancel()
	var err error
	if to == "" {
		err = t.ps.BroadcastFrom(ctx, sub.Mailbox(), t.topic, m)
	} else {
		err = t.ps.DirectBroadcast(ctx, nodeOf(to), t.topic, m)
	}
	if err != nil {
		t.log.Error("replication send failed",
			slog.String("kind", m.Kind), slog.String("replica", t.replica), slog.Any("error", err))
	}
}

// receive handles one message from a peer.
func (t *Tracker[M]) receive(sub *pubsub.Subscription, peers map[string]*peer, m message[M]) {
	if m.From == t.replica || m.From == "" {
		return
	}
	if m.Kind == kindLeave {
		t.mu.Lock()
		leaves := t.state.setDown(m.From, true)
		t.state.dropReplica(m.From)
		t.pushLocked(nil, leaves)
		t.mu.Unlock()
		delete(peers, m.From)
		return
	}
	p := peers[m.From]
	if p == nil {
		p = &peer{node: nodeOf(m.From)}
		// Node names are unique: a new replica of a known node means the
		// old one is gone (it crashed and restarted without a word), so
		// its entries leave now instead of after the down period.
		for rep, old := range peers {
			if old.node == p.node {
				t.mu.Lock()
				leaves := t.state.setDown(rep, true)
				t.state.dropReplica(rep)
				t.pushLocked(nil, leaves)
				t.mu.Unlock()
				delete(peers, rep)
			}
		}
		peers[m.From] = p
		// A new peer knows nothing of us yet: tell it everything now
		// rather than at our next change.
		t.transfer(sub, m.From)
	}
	p.heard = time.Now()
	t.mu.Lock()
	if p.down {
		p.down = false
		t.pushLocked(t.state.setDown(m.From, false), nil)
	}
	t.mu.Unlock()

	switch m.Kind {
	case kindRequest:
		if m.To == t.replica {
			t.transfer(sub, m.From)
		}
		return
	case kindTransfer:
		if m.To != t.replica {
			return
		}
	}
	if m.State != nil {
		remote, err := decodeState(m.State, m.From)
		if err != nil {
			t.log.Error("dropping a malformed state", slog.Any("error", err))
			return
		}
		if m.Kind == kindTransfer {
			// The parts of a transfer only add up to the full state if none
			// is missing.
			if m.State.After != 0 && m.State.After != p.partSeen {
				remote.detached = true
				p.partSeen = 0
			} else {
				p.partSeen = m.State.Seen
			}
		}
		t.mu.Lock()
		t.pushLocked(t.state.merge(remote))
		t.mu.Unlock()
	}
	t.mu.Lock()
	behind := t.state.ctx.vv[m.From] < m.Clock
	t.mu.Unlock()
	if behind {
		// A delta was lost, or arrived ahead of one still on its way: the
		// full state settles it either way.
		t.request(sub, m.From, p)
	}
}

// request asks rep for its full state, at most once per broadcast period.
func (t *Tracker[M]) request(sub *pubsub.Subscription, rep string, p *peer) {
	if now := time.Now(); now.Sub(p.requested) >= t.period {
		p.requested = now
		t.send(sub, rep, message[M]{Kind: kindRequest, From: t.replica, To: rep})
	}
}

// transfer sends this replica's full state to rep, in parts of at most
// transferPart entries. Each part carries, as its clock, the last clock it
// covers, so the receiver does not take itself to be behind before the last
// part arrives.
func (t *Tracker[M]) transfer(sub *pubsub.Subscription, rep string) {
	t.mu.Lock()
	full := t.state.extract()
	clock := t.state.clock
	t.mu.Unlock()
	all, skipped := parts(full, t.replica, clock, transferPart)
	if skipped > 0 {
		t.log.Error("entries too big to replicate left out of a transfer",
			slog.Int("entries", skipped), slog.String("replica", t.replica))
	}
	for _, part := range all {
		t.send(sub, rep, message[M]{
			Kind: kindTransfer, From: t.replica, To: rep, Clock: part.Seen, State: part,
		})
	}
}

// fits reports whether the entries of w fit in one replication message.
func fits[M any](w *wireState[M]) bool {
	n := 0
	for _, e := range w.Entries {
		if n += entryBytes(e); n > maxPartBytes {
			return false
		}
	}
	return true
}

// transferPart is the most entries one transfer message carries (about
// 70 KB of JSON with small metas); maxPartBytes bounds it for large ones.
const transferPart = 500

// checkPeers reports the entries of peers silent for DownPeriod as leaves,
// and forgets peers silent for PermdownPeriod.
func (t *Tracker[M]) checkPeers(peers map[string]*peer) {
	now := time.Now()
	for rep, p := range peers {
		silence := now.Sub(p.heard)
		switch {
		case silence >= t.permdown:
			t.mu.Lock()
			if !p.down {
				t.pushLocked(nil, t.state.setDown(rep, true))
			}
			t.state.dropReplica(rep)
			t.mu.Unlock()
			delete(peers, rep)
			t.log.Info("peer gone for good", slog.String("replica", rep))
		case silence >= t.downPeriod && !p.down:
			p.down = true
			t.mu.Lock()
			t.pushLocked(nil, t.state.setDown(rep, true))
			t.mu.Unlock()
			t.log.Warn("peer down", slog.String("replica", rep), slog.Duration("silence", silence))
		}
	}
}

// pushLocked queues the diffs of entries that joined and left.
func (t *Tracker[M]) pushLocked(joins, leaves []*entry[M]) {
	if len(joins)+len(leaves) == 0 {
		return
	}
	for _, d := range diffsByTopic(joins, leaves) {
		t.queueLocked(d)
	}
}

// nodeOf returns the node name of a replica name.
func nodeOf(replica string) string {
	if i := strings.LastIndexByte(replica, '#'); i >= 0 {
		return replica[:i]
	}
	return replica
}

// registerWire names the replication message type in ps, so that peers can
// decode it.
func registerWire[M any](ps *pubsub.PubSub, name string) error {
	if err := pubsub.Register[message[M]](ps, "presence."+name); err != nil {
		return fmt.Errorf("presence: register replication messages: %w", err)
	}
	return nil
}
