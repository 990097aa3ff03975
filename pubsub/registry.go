package pubsub

import (
	"hash/maphash"
	"sync"
)

// The subscriber registry is sharded by topic. Each topic keeps a plain slice
// of its subscriptions behind its own RWMutex: a broadcast holds the read lock
// while it walks the slice, so delivering to 10,000 subscribers costs one
// lock, no allocation and a non-blocking send each; a subscribe or
// unsubscribe takes the write lock of that topic only, and removes by swapping
// with the last element, so churn is O(1). Holding the read lock for the whole
// walk is what makes Unsubscribe exact: once it returns, no broadcast can
// deliver to that subscription any more.

const numShards = 32

type registry struct {
	seed   maphash.Seed
	shards [numShards]shard
}

type shard struct {
	mu     sync.RWMutex // guards topics
	topics map[string]*topic
}

type topic struct {
	name string
	mu   sync.RWMutex // guards subs, dead and every member's idx
	subs []*Subscription
	dead bool // removed from its shard; subscribe must look again
}

func newRegistry() *registry {
	r := &registry{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].topics = make(map[string]*topic)
	}
	return r
}

func (r *registry) shard(name string) *shard {
	return &r.shards[maphash.String(r.seed, name)%numShards]
}

// lookup returns the topic or nil when nobody is subscribed to it.
func (r *registry) lookup(name string) *topic {
	sh := r.shard(name)
	sh.mu.RLock()
	t := sh.topics[name]
	sh.mu.RUnlock()
	return t
}

func (r *registry) add(s *Subscription) {
	sh := r.shard(s.topic)
	for {
		sh.mu.RLock()
		t := sh.topics[s.topic]
		sh.mu.RUnlock()
		if t == nil {
			sh.mu.Lock()
			t = sh.topics[s.topic]
			if t == nil {
				t = &topic{name: s.topic}
				sh.topics[s.topic] = t
			}
			sh.mu.Unlock()
		}
		t.mu.Lock()
		if t.dead {
			// Emptied and removed while we were not holding any lock.
			t.mu.Unlock()
			continue
		}
		s.t = t
		s.idx = len(t.subs)
		t.subs = append(t.subs, s)
		t.mu.Unlock()
		return
	}
}

// remove unregisters s and reports whether it was registered.
func (r *registry) remove(s *Subscription) bool {
	t := s.t
	if t == nil {
		return false
	}
	t.mu.Lock()
	if s.idx < 0 {
		t.mu.Unlock()
		return false
	}
	last := len(t.subs) - 1
	if s.idx != last {
		moved := t.subs[last]
		t.subs[s.idx] = moved
		moved.idx = s.idx
	}
	t.subs[last] = nil
	t.subs = t.subs[:last]
	s.idx = -1
	empty := len(t.subs) == 0
	t.mu.Unlock()
	if empty {
		r.dropIfEmpty(t)
	}
	return true
}

// dropIfEmpty deletes t from its shard if it still has no subscriber, so that
// short-lived topics (one per view) do not accumulate.
func (r *registry) dropIfEmpty(t *topic) {
	sh := r.shard(t.name)
	sh.mu.Lock()
	t.mu.Lock()
	if len(t.subs) == 0 && !t.dead && sh.topics[t.name] == t {
		delete(sh.topics, t.name)
		t.dead = true
	}
	t.mu.Unlock()
	sh.mu.Unlock()
}

// removeAll unregisters every subscription; used by Close.
func (r *registry) removeAll() {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		for name, t := range sh.topics {
			t.mu.Lock()
			for _, s := range t.subs {
				s.idx = -1
			}
			t.subs = nil
			t.dead = true
			t.mu.Unlock()
			delete(sh.topics, name)
		}
		sh.mu.Unlock()
	}
}

// count returns the number of subscriptions to a topic.
func (r *registry) count(name string) int {
	t := r.lookup(name)
	if t == nil {
		return 0
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.subs)
}

// topics returns every topic with subscribers and how many it has.
func (r *registry) topics() []TopicInfo {
	var out []TopicInfo
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for _, t := range sh.topics {
			t.mu.RLock()
			if n := len(t.subs); n > 0 {
				out = append(out, TopicInfo{Name: t.name, Subscribers: n})
			}
			t.mu.RUnlock()
		}
		sh.mu.RUnlock()
	}
	return out
}
