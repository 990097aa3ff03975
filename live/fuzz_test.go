package live

import (
	"testing"

	"github.com/templive/templive/internal/wire"
)

// FuzzEventDecode feeds whatever a client could send as an "event" payload
// through the wire decoder (fuzzed on its own in internal/wire) to
// Event.Decode, as a view's HandleEvent would: an error is fine, a panic is
// not.
func FuzzEventDecode(f *testing.F) {
	f.Add([]byte(`{"t":"click","e":"inc","v":"by=1"}`))
	f.Add([]byte(`{"t":"submit","e":"save","v":"a=1&a=2&b=%ZZ"}`))
	f.Add([]byte(`{"t":"submit","e":"save","v":"a=x&n=1e400&f=1.5&f=nan&p=yes"}`))
	f.Add([]byte(`{"t":"hook","e":"hello","v":{"greeting":"hi"}}`))
	f.Add([]byte(`{"t":"hook","e":"hello","v":{"A":1,"N":"x","F":[1,"2"]}}`))
	f.Add([]byte(`{"t":"keydown","e":"k","k":"Enter","v":null}`))
	f.Add([]byte(`{"t":"change","e":"v","f":"email","v":7}`))
	f.Add([]byte(`{"t":"teleport"}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		w, err := wire.DecodeEvent(payload)
		if err != nil {
			return
		}
		ev := eventFromWire(w)
		var into struct {
			A, B string
			N    int
			F    []float64
			P    *bool
		}
		ev.Decode(&into) // an error is fine; a panic is not
	})
}
