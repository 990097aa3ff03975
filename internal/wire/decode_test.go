package wire_test

import (
	"errors"
	"testing"

	"github.com/templive/templive/internal/wire"
)

// The browser reads the keys of what the server sends as they are spelt
// (r.d, r.title, payload.status): a decoder of server messages that
// matched {"D": …} to "d", as encoding/json does, would pass a frame the
// browser ignores.
func TestServerMessageDecodersMatchKeysExactly(t *testing.T) {
	t.Parallel()
	decoders := map[string]func([]byte) error{
		"render":        func(b []byte) error { _, err := wire.DecodeRender(b); return err },
		"reply":         func(b []byte) error { _, err := wire.DecodeReply(b); return err },
		"join reply":    func(b []byte) error { _, err := wire.DecodeJoinReply(b); return err },
		"refusal":       func(b []byte) error { _, err := wire.DecodeRefusal(b); return err },
		"redirect":      func(b []byte) error { _, err := wire.DecodeRedirect(b); return err },
		"live_redirect": func(b []byte) error { _, err := wire.DecodeLiveRedirect(b); return err },
		"live_patch":    func(b []byte) error { _, err := wire.DecodeLivePatch(b); return err },
		"pong":          func(b []byte) error { _, err := wire.DecodePong(b); return err },
		"upload":        func(b []byte) error { _, err := wire.DecodeUploadAllowed(b); return err },
	}
	for _, tc := range []struct {
		name, decoder, in string
		ok                bool
	}{
		{"A render spelt as the browser reads it decodes.", "render", `{"d":[[0,[0],"x"]],"title":"t"}`, true},
		{"A render's patch under D is refused.", "render", `{"D":[[0,[0],"x"]]}`, false},
		{"A render's title under TITLE is refused.", "render", `{"TITLE":"t"}`, false},
		{"A render with a key of no render is refused.", "render", `{"d":null,"patch":[]}`, false},
		{"A reply spelt as phoenix.js reads it decodes.", "reply", `{"status":"ok","response":{}}`, true},
		{"A reply's status under Status is refused.", "reply", `{"Status":"ok","Response":{}}`, false},
		{"A join reply's html under HTML is refused.", "join reply", `{"HTML":"<p>x</p>"}`, false},
		{"A refusal's reason under Reason is refused.", "refusal", `{"Reason":"stale"}`, false},
		{"A redirect's to under To is refused.", "redirect", `{"To":"/x","flash":""}`, false},
		{"A live_redirect's kind under Kind is refused.", "live_redirect", `{"to":"/x","Kind":"push"}`, false},
		{"A live_patch spelt as the browser reads it decodes.", "live_patch", `{"kind":"push","to":"/x"}`, true},
		{"A live_patch's to under To is refused.", "live_patch", `{"To":"/x"}`, false},
		{"A pong's ref under REF is refused.", "pong", `{"REF":"1"}`, false},
		{"An upload answer spelt as the browser reads it decodes.", "upload", `{"chunk":65536,"entries":[{"ref":"0","token":"t"}]}`, true},
		{"An upload answer's entry with Ref is refused.", "upload", `{"chunk":65536,"entries":[{"Ref":"0","token":"t"}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := decoders[tc.decoder]([]byte(tc.in))
			switch {
			case tc.ok && err != nil:
				t.Errorf("%s: %v", tc.in, err)
			case !tc.ok && err == nil:
				t.Errorf("%s decoded, though the browser would not read it so", tc.in)
			case !tc.ok && !errors.Is(err, wire.ErrMalformed):
				t.Errorf("%s: %v, want an ErrMalformed", tc.in, err)
			}
		})
	}
}

// What a client sends is decoded as the server always has, keys in any
// case: a client is not refused for what the browser's own client never
// sends anyway.
func TestClientMessageDecodersAcceptKeysInAnyCase(t *testing.T) {
	t.Parallel()
	if p, err := wire.DecodeJoin([]byte(`{"Session":"s","URL":"/x"}`)); err != nil || p.Session != "s" || p.URL != "/x" {
		t.Errorf("DecodeJoin = %+v, %v", p, err)
	}
	if p, err := wire.DecodeLivePatchRequest([]byte(`{"Url":"/x"}`)); err != nil || p.URL != "/x" {
		t.Errorf("DecodeLivePatchRequest = %+v, %v", p, err)
	}
}
