package live_test

import (
	"net/url"
	"testing"

	"github.com/templive/templive/live"
)

func TestDecodeFormIgnoresEmptyValueLists(t *testing.T) {
	t.Parallel()
	var f struct{ N int }
	if err := live.DecodeForm(url.Values{"n": {}}, &f); err != nil || f.N != 0 {
		t.Fatalf("got %v, %+v", err, f)
	}
}
