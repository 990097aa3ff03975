package live

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeEvent feeds the decoder of the browser's events whatever a
// client could send as an "event" payload: it must return an error or an
// event, never panic, and never accept more values than it allows.
func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"t":"click","e":"inc","v":"by=1"}`))
	f.Add([]byte(`{"t":"submit","e":"save","v":"a=1&a=2&b=%ZZ"}`))
	f.Add([]byte(`{"t":"hook","e":"hello","v":{"greeting":"hi"}}`))
	f.Add([]byte(`{"t":"keydown","e":"k","k":"Enter","v":null}`))
	f.Add([]byte(`{"t":"change","e":"v","f":"email","v":7}`))
	f.Add([]byte(`{"t":"teleport"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var w wireEvent
		if json.Unmarshal(payload, &w) != nil {
			return
		}
		ev, err := decodeEvent(w)
		if err != nil {
			return
		}
		n := 0
		for _, vs := range ev.Values {
			n += len(vs)
		}
		if n > maxEventValues {
			t.Fatalf("accepted %d values", n)
		}
		var into struct {
			A, B string
			N    int
			F    []float64
			P    *bool
		}
		ev.Decode(&into) // an error is fine; a panic is not
	})
}
