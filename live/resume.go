package live

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
)

// Defaults of [Options] for resuming views.
const (
	// DefaultResumeFor is how long a view whose connection was lost waits
	// for its page to come back. A network blip, a phone moving from
	// Wi-Fi to mobile data or a server's idle timeout reconnects within a
	// few seconds (the client retries at once, then with jittered backoff
	// of at most 5 s); a tab the browser froze in the background comes
	// back when it is shown again, often within a minute. A parked view
	// costs what it did connected, less its connection and two of its
	// three goroutines, so a minute of a reconnect storm's views is cheap
	// next to remounting them all.
	DefaultResumeFor = time.Minute
	// DefaultResumableViews bounds the views waiting to be resumed: the
	// live socket's default connection cap, so that a reconnect storm of
	// every connection a node takes resumes them all.
	DefaultResumableViews = 20000
)

// renderLog keeps the last renders a view sent (their wire form, without
// a hook's reply), so that a client that lost some when its connection
// dropped gets exactly those on resume. Versions count the renders that
// are not empty: entries[i] is version base+1+i.
type renderLog struct {
	base    uint64
	entries [][]byte
	bytes   int
}

// Bounds of a view's renderLog. Only the renders in flight when a
// connection dies are ever needed (a parked view does not render), so a
// few dozen, and the bytes of a small page, cover any blip.
const (
	maxLogRenders = 32
	maxLogBytes   = 32 << 10
)

// newRenderLog starts the versions of a view at a random number, so that
// a version of one instance is almost never one another instance sent: a
// duplicated tab, which has the same view id, remounts instead of
// resuming a view whose DOM it does not have.
func newRenderLog() renderLog {
	return renderLog{base: rand.Uint64N(1<<40) + 1}
}

// version is the version of the last render sent.
func (l *renderLog) version() uint64 { return l.base + uint64(len(l.entries)) }

// add records a render sent as the next version, forgetting the oldest
// beyond the bounds (never the render just sent).
func (l *renderLog) add(enc []byte) {
	l.entries = append(l.entries, enc)
	l.bytes += len(enc)
	drop := 0
	for len(l.entries)-drop > 1 && (len(l.entries)-drop > maxLogRenders || l.bytes > maxLogBytes) {
		l.bytes -= len(l.entries[drop])
		l.entries[drop] = nil
		drop++
	}
	if drop > 0 {
		l.entries = append(l.entries[:0], l.entries[drop:]...)
		l.base += uint64(drop)
	}
}

// since returns the renders after version v, or false when v is not a
// version this log can bring up to date: older than what it keeps, or
// one it never sent.
func (l *renderLog) since(v uint64) ([]json.RawMessage, bool) {
	if v < l.base || v > l.version() {
		return nil, false
	}
	out := make([]json.RawMessage, 0, l.version()-v)
	for _, e := range l.entries[v-l.base:] {
		out = append(out, e)
	}
	return out, true
}

// hookReplies keeps the hook replies sent last, by the sequence number of
// their event, so that an event handled before a connection dropped, and
// sent again after the resume, is answered with the reply it had. The
// client sends again only the events in flight when its connection
// dropped, so a few small replies suffice.
type hookReplies struct {
	seqs    []uint64
	replies []json.RawMessage
	bytes   int
}

// Bounds of hookReplies: a reply beyond them is lost if the connection
// drops before it arrives (the event is still applied once).
const (
	maxKeptReplies    = 8
	maxKeptReplyBytes = 8 << 10
)

// add keeps reply, the reply to the event numbered seq (none when 0),
// forgetting the oldest beyond the bounds.
func (h *hookReplies) add(seq uint64, reply json.RawMessage) {
	if seq == 0 || len(reply) > maxKeptReplyBytes {
		return
	}
	h.seqs, h.replies = append(h.seqs, seq), append(h.replies, reply)
	h.bytes += len(reply)
	for len(h.seqs) > maxKeptReplies || h.bytes > maxKeptReplyBytes {
		h.bytes -= len(h.replies[0])
		h.seqs, h.replies = h.seqs[1:], h.replies[1:]
	}
}

// get returns the reply kept for the event numbered seq, or nil.
func (h *hookReplies) get(seq uint64) json.RawMessage {
	for i, s := range h.seqs {
		if s == seq {
			return h.replies[i]
		}
	}
	return nil
}

// resumeParking holds the views whose connection was lost, each with a
// goroutine that goes on handing it its PubSub messages and timers until
// its page rejoins, it expires, or the server shuts down. It is safe for
// concurrent use.
type resumeParking struct {
	max int
	ttl time.Duration

	mu     sync.Mutex // guards views, closed, wake
	views  map[string]*parkedChannel
	closed bool
	wake   chan struct{} // closed, and replaced, when a view parks

	wg sync.WaitGroup // the parked views' goroutines
}

// A parkedChannel is a view waiting to be resumed, run by its goroutine.
type parkedChannel struct {
	vc       *viewChannel
	kept     *channel.Parked
	parkedAt time.Time

	taken   chan struct{} // closed by take: the goroutine leaves the view to the taker
	stop    chan struct{} // closed by evict: the goroutine ends the view with stopWhy
	stopWhy error
	done    chan struct{} // closed when the goroutine has returned
}

func newResumeParking(max int, ttl time.Duration) *resumeParking {
	return &resumeParking{max: max, ttl: ttl, views: map[string]*parkedChannel{}, wake: make(chan struct{})}
}

// Errors a parked view's Terminate may receive.
var (
	// errResumeExpired ends a view its page did not come back for.
	errResumeExpired = errors.New("live: connection lost and not resumed in time")
	// errResumeEvicted ends the oldest parked view when too many wait.
	errResumeEvicted = errors.New("live: connection lost; too many views waiting to resume")
	// errResumeMissedTooMuch ends a parked view whose streams hold more
	// for its page than a resume is worth sending.
	errResumeMissedTooMuch = errors.New("live: connection lost; too much happened to resume")
	// errResumeRefused ends a parked view whose page rejoined without
	// being able to resume it: it remounts.
	errResumeRefused = errors.New("live: connection lost; the page remounted")
)

// put parks pc under id and starts its goroutine, and reports whether it
// did: not after close.
func (r *resumeParking) put(id string, pc *parkedChannel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	if old := r.views[id]; old != nil {
		r.evictLocked(id, old, errResumeRefused)
	}
	for len(r.views) >= r.max {
		oldestID, oldest := "", (*parkedChannel)(nil)
		for k, v := range r.views {
			if oldest == nil || v.parkedAt.Before(oldest.parkedAt) {
				oldestID, oldest = k, v
			}
		}
		r.evictLocked(oldestID, oldest, errResumeEvicted)
	}
	pc.parkedAt = time.Now()
	pc.taken, pc.stop, pc.done = make(chan struct{}), make(chan struct{}), make(chan struct{})
	r.views[id] = pc
	close(r.wake)
	r.wake = make(chan struct{})
	r.wg.Go(func() { r.run(id, pc) })
	return true
}

// evictLocked has the goroutine of pc end its view with why.
func (r *resumeParking) evictLocked(id string, pc *parkedChannel, why error) {
	delete(r.views, id)
	pc.stopWhy = why
	close(pc.stop)
}

// remove forgets pc if it is still parked under id, and reports whether
// it was: the one that removes a view decides its fate.
func (r *resumeParking) remove(id string, pc *parkedChannel) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.views[id] != pc {
		return false
	}
	delete(r.views, id)
	return true
}

// take returns the view parked under id, if match accepts it, once its
// goroutine has let go of it: the caller owns it from then on. A view
// match refuses (another browser's) stays parked.
func (r *resumeParking) take(id string, match func(*viewChannel) bool) *parkedChannel {
	r.mu.Lock()
	pc := r.views[id]
	if pc == nil || !match(pc.vc) {
		r.mu.Unlock()
		return nil
	}
	delete(r.views, id)
	close(pc.taken)
	r.mu.Unlock()
	<-pc.done
	return pc
}

// await is take for a view that is about to park: it waits for it until
// ctx is done or two seconds have passed (channel.Conn.Park gives a write
// in progress on the dead connection one to end).
func (r *resumeParking) await(ctx context.Context, id string, match func(*viewChannel) bool) *parkedChannel {
	timer := time.NewTimer(2 * time.Second)
	defer timer.Stop()
	for {
		r.mu.Lock()
		wake := r.wake
		r.mu.Unlock()
		if pc := r.take(id, match); pc != nil {
			return pc
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil
		case <-timer.C:
			return nil
		}
	}
}

// mailbox returns the mailbox of the view parked under id, if any.
func (r *resumeParking) mailbox(id string) *pubsub.Mailbox {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pc := r.views[id]; pc != nil {
		return pc.kept.Mailbox()
	}
	return nil
}

func (r *resumeParking) len() int {
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.views)
}

// close ends every parked view and parks none from then on; it waits for
// their goroutines until ctx is done.
func (r *resumeParking) close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for id, pc := range r.views {
		r.evictLocked(id, pc, channel.ErrClosed)
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run is a parked view's goroutine: it hands the view the messages of its
// subscriptions, its timers and its async tasks' results as the channel
// did, without rendering (nobody would see it: the render that resumes
// the view shows it all), until the view is taken, evicted or expires.
func (r *resumeParking) run(id string, pc *parkedChannel) {
	defer close(pc.done)
	vc := pc.vc
	ctx := vc.ctx
	mb := pc.kept.Mailbox()
	timer := time.NewTimer(r.ttl)
	defer timer.Stop()
	end := func(why error) {
		vc.end(why)
		pc.kept.Close()
	}
	// settled waits for whoever removed pc from the parking first: a
	// rejoin that takes the view, or an eviction that has it ended.
	settled := func() {
		select {
		case <-pc.taken:
		case <-pc.stop:
			end(pc.stopWhy)
		}
	}
	// fail ends the view for a callback's error, unless it was taken or
	// evicted in the meantime.
	fail := func(err error) {
		if !r.remove(id, pc) {
			settled()
			return
		}
		vc.logger().Error("parked view crashed", crashAttrs(err)...)
		end(&crashError{cause: asCrash("HandleInfo", err)})
	}
	var reported uint64
	// The mailbox is read with TryReceive, woken by Notify, as the view's
	// channel reads it: C would give it a channel of its full capacity for
	// the rest of its life. ready holds a token while messages may wait.
	ready := make(chan struct{}, 1)
	signal := func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	mb.Notify(signal)
	signal() // for what was queued before
	for {
		// A take or an eviction wins over the messages queued.
		select {
		case <-pc.taken:
			return
		case <-pc.stop:
			end(pc.stopWhy)
			return
		default:
		}
		select {
		case <-pc.taken:
			return
		case <-pc.stop:
			end(pc.stopWhy)
			return
		case <-timer.C:
			if !r.remove(id, pc) {
				settled()
				return
			}
			end(errResumeExpired)
			return
		case <-mb.Overflow():
			discarded := mb.Resume()
			total := mb.Dropped()
			dropped := total - reported + uint64(discarded)
			reported = total
			if err := vc.Lagged(ctx, dropped); err != nil {
				fail(err)
				return
			}
			if r.tooMuch(id, pc) {
				return
			}
		case <-ready:
			m, ok := mb.TryReceive()
			if !ok {
				continue
			}
			if mb.Len() > 0 {
				signal() // one message a turn: the next one's token
			}
			if _, ok := m.Payload.(*channel.Broadcast); ok {
				continue // for a client that is not there
			}
			err := vc.HandleInfo(ctx, m)
			if err == nil && mb.Len() == 0 {
				err = vc.settleAsync(ctx)
			}
			if err != nil {
				fail(err)
				return
			}
			vc.s.trimParked()
			if r.tooMuch(id, pc) {
				return
			}
		}
	}
}

// maxParkedStreamOps bounds the stream operations a parked view holds for
// its page. A parked view does not render, so every item its streams
// insert waits in memory for the resume, which would send them all: past
// this many, a remount (which renders only what the streams' limits keep)
// costs less, and the view ends instead of growing with a busy topic.
const maxParkedStreamOps = 256

// tooMuch ends the view of pc, parked under id, and reports true when its
// streams hold more than maxParkedStreamOps; pc's goroutine then returns.
func (r *resumeParking) tooMuch(id string, pc *parkedChannel) bool {
	if pc.vc.s.streamOpsPending() <= maxParkedStreamOps {
		return false
	}
	if r.remove(id, pc) {
		pc.vc.end(errResumeMissedTooMuch)
		pc.kept.Close()
		return true
	}
	// Taken or evicted in the meantime: whoever did decides.
	select {
	case <-pc.taken:
	case <-pc.stop:
		pc.vc.end(pc.stopWhy)
		pc.kept.Close()
	}
	return true
}

// maxParkedPushes bounds the events and client commands a parked view may
// push for its page; the oldest go first.
const maxParkedPushes = 64

// trimParked drops the oldest of the events and commands pushed while
// parked beyond maxParkedPushes, and the pings nobody will answer.
func (s *Socket) trimParked() {
	if n := len(s.events) - maxParkedPushes; n > 0 {
		s.events = append(s.events[:0], s.events[n:]...)
	}
	if n := len(s.execs) - maxParkedPushes; n > 0 {
		s.execs = append(s.execs[:0], s.execs[n:]...)
	}
}

// Park keeps the view when its connection is lost ([channel.Parker]), so
// that its page takes it up again when it reconnects: its state,
// subscriptions, timers and tasks stay, and messages are still handled.
// It declines when resuming is off, the server is shutting down, or the
// views' memory is over [Options.MaxViewBytes]: the view then ends. A
// nested view ends too: it rejoins with its parent's help (nested.go).
func (vc *viewChannel) Park(p *channel.Parked) bool {
	if vc.s == nil || vc.nest != nil || vc.srv.resume == nil || !vc.srv.viewBytes.room(0) {
		return false
	}
	vc.waiting = vc.waiting[:0]
	vc.pings = vc.pings[:0]
	// Uploads wait for the page as they do for a remount
	// (Options.UploadResumeFor); a resume takes them back.
	vc.endUploads(channel.ErrClosed)
	vc.s.parked = p
	// Parked before it leaves the connected views, so that a rejoin that
	// looks in both finds it in one.
	if !vc.srv.resume.put(vc.s.id, &parkedChannel{vc: vc, kept: p}) {
		vc.s.parked = nil
		return false
	}
	if vc.srv.views.CompareAndDelete(vc.s.id, vc) {
		vc.srv.connected.Add(-1)
	}
	return true
}

// resume takes up the view parked under the joined id, when the join asks
// for it and may have it: the same route, session and browser (its CSRF
// cookie), the same URL, and a version the view sent and still has the
// renders after. The reply then carries what the client lacks rather than
// the whole HTML. It reports false when the join must mount the view
// anew; a parked view that cannot be resumed is ended then, unless it is
// another browser's.
//
// A view still connected, on a connection the server has not yet seen
// die, is parked first.
func (vc *viewChannel) resume(ctx context.Context, tok sessionToken, p wire.JoinPayload, rt *route, u *url.URL, csrf string) (json.RawMessage, bool, error) {
	reg := vc.srv.resume
	if reg == nil || !p.Resume {
		return nil, false, nil
	}
	match := func(old *viewChannel) bool {
		return old.rt == rt && old.s.csrf == csrf && maps.Equal(old.s.session, tok.Session)
	}
	pc := reg.take(tok.ID, match)
	if pc == nil {
		if v, ok := vc.srv.views.Load(tok.ID); ok {
			if old := v.(*viewChannel); old.cc != vc.cc && match(old) {
				old.cc.Park()
				pc = reg.await(ctx, tok.ID, match)
			}
		} else {
			// It parked between the two looks.
			pc = reg.take(tok.ID, match)
		}
	}
	if pc == nil {
		return nil, false, nil
	}
	old := pc.vc
	missed, ok := old.log.since(p.Version)
	if !ok || old.s.url.RequestURI() != u.RequestURI() {
		old.end(errResumeRefused)
		pc.kept.Close()
		return nil, false, nil
	}
	if err := vc.cc.Adopt(pc.kept); err != nil {
		old.end(errResumeRefused)
		return nil, false, nil
	}
	vc.takeOver(old)
	vc.readoptUploads()
	// The views it nests follow it to its new connection, where the page
	// joins them again.
	vc.srv.nests.follow(vc.s.nests, vc.cc.ConnectInfo())
	vc.srv.resumes.Add(1)
	if to := vc.s.redirectTo; to != "" {
		return nil, true, refuse(wire.Refusal{Reason: wire.ReasonRedirect, To: to, Flash: vc.flashToken()})
	}
	if to := vc.s.navigateTo; to != "" {
		return nil, true, refuse(wire.Refusal{Reason: wire.ReasonNavigate, To: to, Flash: vc.flashToken()})
	}
	if err := vc.applyPatchTo(ctx); err != nil {
		return nil, true, err
	}
	out, enc, err := vc.pendingRender(ctx)
	if err != nil {
		return nil, true, err
	}
	if !out.Empty() {
		missed = append(missed, enc)
	}
	reply := wire.JoinReply{Version: vc.log.version(), Patched: true, Renders: missed}
	vc.recharge()
	if _, replaced := vc.srv.views.Swap(vc.s.id, vc); !replaced {
		vc.srv.connected.Add(1)
	}
	return json.RawMessage(reply.AppendJSON(nil)), true, nil
}

// takeOver makes vc, a channel joined on a new connection, the view old
// was: its state, renders and counters. The Socket follows vc's
// connection.
func (vc *viewChannel) takeOver(old *viewChannel) {
	if vc.cancel != nil {
		vc.cancel() // the context made for a view this join will not mount
	}
	vc.view, vc.rt, vc.s = old.view, old.rt, old.s
	vc.ctx, vc.cancel = old.ctx, old.cancel
	vc.last, vc.log, vc.lastSeq, vc.replies = old.last, old.log, old.lastSeq, old.replies
	vc.dirty, vc.pings = old.dirty, old.pings
	vc.charged, vc.measured, vc.measuredBytes = old.charged, old.measured, old.measuredBytes
	vc.life = old.life
	st, ost := &vc.stats, &old.stats
	st.joined, st.path = ost.joined, ost.path
	st.events.Store(ost.events.Load())
	st.lastEvent.Store(ost.lastEvent.Load())
	st.lastEventAt.Store(ost.lastEventAt.Load())
	st.update.Store(ost.update.Load())
	// The mailbox is the one the view had (Adopt): its timers still deliver there.
	vc.s.cc, vc.s.parked = vc.cc, nil
}

// readoptUploads takes back, for a resumed view, the upload entries it
// let go of when it parked and that are still held: they belong to the
// new connection now. The others leave the view's entries.
func (vc *viewChannel) readoptUploads() {
	s := vc.s
	if s.upw == nil {
		return
	}
	s.upw = &viewUploads{conn: vc.cc.ConnectInfo(), mailbox: vc.cc.Mailbox()}
	reg := &vc.srv.uploadsReg
	for _, u := range s.uploads {
		for _, e := range u.Entries {
			if e.up == nil {
				continue
			}
			e.up.mu.Lock()
			gone := e.up.discarded
			e.up.mu.Unlock()
			if !gone {
				reg.adopt(e.up, s.upw)
			}
		}
	}
	if s.syncUploads() {
		vc.dirty = true
	}
}

// callContext is the context of a view's callback: the values of the
// channel's call (the Observer's spans among them) and the cancellation of
// the view's own context, which a lost connection does not end: a view
// that will be resumed finishes what it was doing, its render included.
type callContext struct {
	context.Context // the view's: Deadline, Done, Err
	call            context.Context
}

func (c *callContext) Value(key any) any { return c.call.Value(key) }

// callCtx returns the context for the view's callbacks of a call on ctx,
// the channel's context, made once per channel.
func (vc *viewChannel) callCtx(ctx context.Context) context.Context {
	if vc.ctx == nil {
		return ctx
	}
	if vc.called == nil || vc.called.call != ctx || vc.called.Context != vc.ctx {
		vc.called = &callContext{Context: vc.ctx, call: ctx}
	}
	return vc.called
}
