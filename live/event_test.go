package live_test

import (
	"net/url"
	"testing"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
)

func TestEventTypesAreTheWiresNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ live, wire string }{
		{live.EventClick, wire.TypeClick},
		{live.EventSubmit, wire.TypeSubmit},
		{live.EventChange, wire.TypeChange},
		{live.EventBlur, wire.TypeBlur},
		{live.EventFocus, wire.TypeFocus},
		{live.EventKeyDown, wire.TypeKeyDown},
		{live.EventKeyUp, wire.TypeKeyUp},
		{live.EventHook, wire.TypeHook},
		{live.EventPush, wire.TypePush},
	} {
		if tc.live != tc.wire {
			t.Errorf("live's event type %q is %q on the wire", tc.live, tc.wire)
		}
	}
}

func TestDecodeFormIgnoresEmptyValueLists(t *testing.T) {
	t.Parallel()
	var f struct{ N int }
	if err := live.DecodeForm(url.Values{"n": {}}, &f); err != nil || f.N != 0 {
		t.Fatalf("got %v, %+v", err, f)
	}
}
