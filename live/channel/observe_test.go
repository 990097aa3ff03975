package channel

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu      sync.Mutex
	started []Op
	ended   []Op
	changed chan struct{}
}

type recorderKey struct{}

func (r *recorder) Start(ctx context.Context, op Op) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, op)
	return context.WithValue(ctx, recorderKey{}, op.Kind)
}

func (r *recorder) End(ctx context.Context, op Op) {
	r.mu.Lock()
	r.ended = append(r.ended, op)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// awaitEnded waits until n operations ended and returns them.
func (r *recorder) awaitEnded(t *testing.T, n int) []Op {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		ended := slices.Clone(r.ended)
		r.mu.Unlock()
		if len(ended) >= n {
			return ended
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("observer: %d operations ended, want %d: %+v", len(ended), n, ended)
		}
	}
}

func TestAnObserverIsToldOfJoinsMessagesAndEnds(t *testing.T) {
	t.Parallel()
	rec := &recorder{changed: make(chan struct{}, 1)}
	seen := make(chan any, 4)
	srv := startSocket(t, SocketOptions[*testUser]{Observer: rec}, func(ch *testChannel) {
		ch.join = func(ctx context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			seen <- ctx.Value(recorderKey{})
			if cc.Topic() == "room:closed" {
				return nil, Refuse("closed")
			}
			return nil, nil
		}
		ch.handleIn = func(ctx context.Context, cc *Conn, ev Message) (Reply, error) {
			seen <- ctx.Value(recorderKey{})
			if ev.Name == "boom" {
				panic("boom")
			}
			return ReplyOK(nil), nil
		}
	})
	c := srv.dial(t, "ada")
	c.send("1", "1", "room:closed", "phx_join", map[string]any{})
	c.read()
	c.send("2", "2", "room:lobby", "phx_join", map[string]any{})
	c.read()
	c.send("2", "3", "room:lobby", "new_msg", map[string]any{})
	c.read()
	c.send("2", "4", "room:lobby", "boom", map[string]any{})
	c.read() // phx_error

	ended := rec.awaitEnded(t, 5)
	want := []OpKind{OpJoin, OpJoin, OpMessage, OpMessage, OpChannel}
	var got []OpKind
	for _, op := range ended {
		got = append(got, op.Kind)
		if op.Pattern != "room:*" || op.Duration <= 0 {
			t.Errorf("%v on %s: pattern %q, duration %v", op.Kind, op.Topic, op.Pattern, op.Duration)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ended %v, want %v", got, want)
	}
	if _, ok := errors.AsType[*JoinError](ended[0].Err); !ok || ended[0].Topic != "room:closed" {
		t.Errorf("the refused join ended with %v on %s", ended[0].Err, ended[0].Topic)
	}
	if ended[1].Err != nil || ended[2].Event != "new_msg" || ended[2].Err != nil {
		t.Errorf("the join and the message ended with %v, %v (%q)", ended[1].Err, ended[2].Err, ended[2].Event)
	}
	if ce, ok := errors.AsType[*CrashError](ended[3].Err); !ok || ce.Op != `HandleIn "boom"` || ce.Stack == nil {
		t.Errorf("the panicking message ended with %v, want its crash with the stack", ended[3].Err)
	}
	if !errors.Is(ended[4].Err, ErrChannelCrashed) {
		t.Errorf("the channel ended with %v, want ErrChannelCrashed", ended[4].Err)
	}
	for _, k := range []OpKind{OpJoin, OpJoin, OpMessage, OpMessage} {
		if got := <-seen; got != k {
			t.Errorf("a callback's context carries %v, want %v", got, k)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.started) != len(rec.ended) {
		t.Errorf("%d started, %d ended", len(rec.started), len(rec.ended))
	}
}

func TestChannelOpKindsHaveNames(t *testing.T) {
	t.Parallel()
	for k, want := range map[OpKind]string{OpJoin: "join", OpMessage: "message", OpChannel: "channel", 0: "unknown", 9: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("OpKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
