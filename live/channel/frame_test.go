package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestDecodeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want frame
		err  bool
	}{
		{"A join decodes with both refs.", `["1","1","room:1","phx_join",{"a":1}]`, frame{joinRef: "1", ref: "1", topic: "room:1", event: "phx_join", payload: json.RawMessage(`{"a":1}`)}, false},
		{"A heartbeat has a null join ref.", `[null,"5","phoenix","heartbeat",{}]`, frame{ref: "5", topic: "phoenix", event: "heartbeat", payload: json.RawMessage(`{}`)}, false},
		{"A payload may be any JSON value.", `["1","2","t","e",[1,2]]`, frame{joinRef: "1", ref: "2", topic: "t", event: "e", payload: json.RawMessage(`[1,2]`)}, false},
		{"An object is not a frame.", `{"topic":"t"}`, frame{}, true},
		{"Six elements are too many.", `[null,null,"t","e",{},1]`, frame{}, true},
		{"A numeric join ref is refused.", `[1,"1","t","e",{}]`, frame{}, true},
		{"A null topic is refused.", `[null,"1",null,"e",{}]`, frame{}, true},
		{"An empty event is refused.", `[null,"1","t","",{}]`, frame{}, true},
		{"Trailing garbage is refused.", `[null,"1","t","e",{}]x`, frame{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeText([]byte(tt.in))
			if tt.err {
				if !errors.Is(err, ErrMalformedFrame) {
					t.Fatalf("want ErrMalformedFrame, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.joinRef != tt.want.joinRef || got.ref != tt.want.ref || got.topic != tt.want.topic ||
				got.event != tt.want.event || !bytes.Equal(got.payload, tt.want.payload) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEncodeReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Reply
		want string
	}{
		{"An ok reply with a nil response sends an empty object.", ReplyOK(nil), `["1","2","room:1","phx_reply",{"status":"ok","response":{}}]`},
		{"An error reply carries its response.", ReplyReason("x"), `["1","2","room:1","phx_reply",{"status":"error","response":{"reason":"x"}}]`},
		{"A zero reply is ok.", Reply{}, `["1","2","room:1","phx_reply",{"status":"ok","response":{}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, err := encodeReply("1", "2", "room:1", tt.r)
			if err != nil || string(f.data) != tt.want {
				t.Fatalf("got %s, %v; want %s", f.data, err, tt.want)
			}
		})
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	t.Parallel()
	data, err := encodeBinary(kindPush, []string{"1", "2", "room:1", "up"}, []byte{9, 8})
	if err != nil {
		t.Fatal(err)
	}
	f, err := decodeBinary(data)
	if err != nil || f.joinRef != "1" || f.ref != "2" || f.topic != "room:1" || f.event != "up" || !bytes.Equal(f.binary, []byte{9, 8}) {
		t.Fatalf("got %+v, %v", f, err)
	}
	long := string(bytes.Repeat([]byte("a"), 256))
	if _, err := encodeBinary(kindBroadcast, []string{long, "e"}, nil); err == nil {
		t.Fatal("a 256-byte topic was encoded")
	}
}

func FuzzDecodeText(f *testing.F) {
	f.Add([]byte(`["1","1","room:1","phx_join",{}]`))
	f.Add([]byte(`[null,"5","phoenix","heartbeat",{}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeText(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedFrame) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// What decodes re-encodes to a frame that decodes the same.
		again, err := decodeText(encodeText(fr.joinRef, fr.ref, fr.topic, fr.event, fr.payload))
		if err != nil || again.topic != fr.topic || again.event != fr.event || again.ref != fr.ref || again.joinRef != fr.joinRef {
			t.Fatalf("round trip of %q: %+v, %v", data, again, err)
		}
	})
}

func FuzzDecodeBinary(f *testing.F) {
	seed, _ := encodeBinary(kindPush, []string{"1", "2", "room:1", "up"}, []byte{1})
	f.Add(seed)
	f.Add([]byte{0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := decodeBinary(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedFrame) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		again, err := encodeBinary(kindPush, []string{fr.joinRef, fr.ref, fr.topic, fr.event}, fr.binary)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("round trip of %x: %x, %v", data, again, err)
		}
	})
}

func BenchmarkDecodeText(b *testing.B) {
	data := []byte(`["1","2","room:lobby","new_msg",{"body":"hello there"}]`)
	for b.Loop() {
		if _, err := decodeText(data); err != nil {
			b.Fatal(err)
		}
	}
}
