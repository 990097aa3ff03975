package pubsub_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/templive/templive/pubsub"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  pubsub.Envelope
	}{
		{"a full envelope survives", pubsub.Envelope{Node: "n1", To: "n2", Topic: "posts:1", Type: "blog.Post", Data: []byte(`{"ID":1}`)}},
		{"empty fields other than the node survive", pubsub.Envelope{Node: "n"}},
		{"binary data survives", pubsub.Envelope{Node: "n", Topic: "t", Data: []byte{0, 1, 2, 255}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := tt.env.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			var got pubsub.Envelope
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if got.Node != tt.env.Node || got.To != tt.env.To || got.Topic != tt.env.Topic || got.Type != tt.env.Type || !bytes.Equal(got.Data, tt.env.Data) {
				t.Fatalf("got %+v, want %+v", got, tt.env)
			}
		})
	}
}

func TestEnvelopeRejects(t *testing.T) {
	t.Parallel()
	valid, _ := pubsub.Envelope{Node: "n", Topic: "t", Type: "x", Data: []byte("1")}.AppendBinary(nil)
	tests := []struct {
		name  string
		frame []byte
	}{
		{"an empty frame", nil},
		{"an unknown version", append([]byte{9}, valid[1:]...)},
		{"a frame cut inside a field", valid[:4]},
		{"a length longer than the frame", []byte{1, 100, 'a'}},
		{"an unterminated length", []byte{1, 0xff, 0xff}},
		{"a missing node", []byte{1, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e pubsub.Envelope
			if err := e.UnmarshalBinary(tt.frame); !errors.Is(err, pubsub.ErrDecode) {
				t.Fatalf("got %v, want ErrDecode", err)
			}
		})
	}
	if _, err := (pubsub.Envelope{Node: "n", Topic: strings.Repeat("x", 1<<17)}).AppendBinary(nil); !errors.Is(err, pubsub.ErrEncode) {
		t.Fatalf("oversized topic: got %v, want ErrEncode", err)
	}
}

func FuzzEnvelope(f *testing.F) {
	for _, e := range []pubsub.Envelope{
		{Node: "a", Topic: "posts", Type: "string", Data: []byte(`"x"`)},
		{Node: "a", To: "b", Topic: "presence:lobby", Type: "map[string]any", Data: []byte(`{}`)},
	} {
		b, _ := e.AppendBinary(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		var e pubsub.Envelope
		if err := e.UnmarshalBinary(frame); err != nil {
			return
		}
		b, err := e.AppendBinary(nil)
		if err != nil {
			t.Fatalf("re-encoding a decoded envelope: %v", err)
		}
		var again pubsub.Envelope
		if err := again.UnmarshalBinary(b); err != nil || again.Node != e.Node || again.To != e.To ||
			again.Topic != e.Topic || again.Type != e.Type || !bytes.Equal(again.Data, e.Data) {
			t.Fatalf("round trip changed %+v into %+v (%v)", e, again, err)
		}
	})
}

// fakeAdapter hands frames straight to the node's receive function.
type fakeAdapter struct {
	mu      sync.Mutex
	receive func([]byte)
}

func (a *fakeAdapter) Start(receive func([]byte)) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.receive = receive
	return nil
}
func (a *fakeAdapter) Publish(_ context.Context, _ []byte) error { return nil }
func (a *fakeAdapter) Close() error                              { return nil }

// FuzzReceive feeds arbitrary frames from "another node" to a PubSub: it
// must never panic, and whatever it cannot use must be reported.
func FuzzReceive(f *testing.F) {
	for _, e := range []pubsub.Envelope{
		{Node: "other", Topic: "t", Type: "string", Data: []byte(`"x"`)},
		{Node: "other", Topic: "t", Type: "int", Data: []byte(`12`)},
		{Node: "other", Topic: "t", Type: "fuzz.Point", Data: []byte(`{"X":1,"Y":2}`)},
		{Node: "other", Topic: "t", Type: "*fuzz.Point", Data: []byte(`{"X":1}`)},
		{Node: "other", Topic: "t", Type: "fuzz.Point", Data: []byte(`[1,2]`)},
		{Node: "other", Topic: "t", Type: "nope", Data: []byte(`1`)},
		{Node: "other", Topic: "t"},
	} {
		b, _ := e.AppendBinary(nil)
		f.Add(b)
	}
	type point struct{ X, Y int }
	f.Fuzz(func(t *testing.T, frame []byte) {
		var reported int
		ad := &fakeAdapter{}
		ps, err := pubsub.New(pubsub.Options{Node: "self", Adapter: ad, Logger: discard, OnError: func(error) { reported++ }})
		if err != nil {
			t.Fatal(err)
		}
		defer ps.Close()
		pubsub.Register[point](ps, "fuzz.Point")
		pubsub.Register[*point](ps, "*fuzz.Point")
		sub, _ := ps.Subscribe("t")
		ad.receive(frame)
		select {
		case <-sub.C():
			if reported != 0 {
				t.Fatalf("delivered and reported an error")
			}
		default:
			var e pubsub.Envelope
			if e.UnmarshalBinary(frame) == nil && e.Topic == "t" && e.Node != "self" && (e.To == "" || e.To == "self") && reported == 0 {
				t.Fatalf("frame %+v neither delivered nor reported", e)
			}
		}
	})
}
