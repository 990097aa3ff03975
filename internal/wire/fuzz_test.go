package wire_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// addGoldenSeeds adds to f's corpus the wire forms the golden files of
// message hold, valid and not.
func addGoldenSeeds(f *testing.F, message string) {
	files, _ := filepath.Glob("testdata/" + message + ".*.txtar")
	if len(files) == 0 {
		f.Fatalf("no golden files for %s", message)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range ar.Files {
			if s.Name == "input.json" || s.Name == "wire.json" {
				f.Add(bytes.TrimSuffix(s.Data, []byte("\n")))
			}
		}
	}
}

// fuzzDecoder checks what every decoder of client input promises: whatever
// the input, it returns a value or a *DecodeError (never panics), and a
// value it returns survives AppendJSON and decoding again unchanged.
func fuzzDecoder[T any](t *testing.T, decode func([]byte) (T, error), encode func(T, []byte) []byte, in []byte) (T, bool) {
	t.Helper()
	v, err := decode(in)
	if err != nil {
		var de *wire.DecodeError
		if !errors.As(err, &de) || !errors.Is(err, wire.ErrMalformed) || de.Reason == "" {
			t.Fatalf("decode(%q): error %v (%T) is not a *DecodeError with a reason", in, err, err)
		}
		return v, false
	}
	out := encode(v, nil)
	back, err := decode(out)
	if err != nil {
		t.Fatalf("decode(%q) = %+v, whose encoding %s does not decode: %v", in, v, out, err)
	}
	if !reflect.DeepEqual(back, v) {
		t.Fatalf("decode(%q) = %+v; encoded %s; decoded again %+v", in, v, out, back)
	}
	return v, true
}

// FuzzDecodeEvent feeds the decoder of the browser's events whatever a
// client could send as an "event" payload.
func FuzzDecodeEvent(f *testing.F) {
	addGoldenSeeds(f, "event")
	f.Add([]byte(`{"t":"submit","e":"save","v":"a=1&a=2&b=%ZZ"}`))
	f.Add([]byte(`{"t":"change","e":"c","v":"` + strings.Repeat("a&", wire.MaxEventValues) + `"}`))
	f.Add([]byte(`{"t":"hook","e":"x","v":{"k":[1,"\u00e9",null]}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		ev, ok := fuzzDecoder(t, wire.DecodeEvent, wire.Event.AppendJSON, in)
		if !ok {
			return
		}
		n := 0
		for _, vs := range ev.Values {
			n += len(vs)
		}
		if n > wire.MaxEventValues {
			t.Fatalf("accepted %d values", n)
		}
		if (ev.Type == wire.TypeHook) != (ev.Payload != nil) || (ev.Type == wire.TypeHook) == (ev.Values != nil) {
			t.Fatalf("a %s event with values %v and payload %q", ev.Type, ev.Values, ev.Payload)
		}
	})
}

// FuzzDecodeJoin feeds the decoder of joins whatever a client could send
// as a phx_join payload.
func FuzzDecodeJoin(f *testing.F) {
	addGoldenSeeds(f, "join")
	f.Add([]byte(`{"session":"s","url":"u","form":{"a":"x=1"},"flash":7}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzDecoder(t, wire.DecodeJoin, wire.JoinPayload.AppendJSON, in)
	})
}

// FuzzDecodeLivePatchRequest feeds the decoder of live_patch messages
// whatever a client could send.
func FuzzDecodeLivePatchRequest(f *testing.F) {
	addGoldenSeeds(f, "live_patch_request")
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzDecoder(t, wire.DecodeLivePatchRequest, wire.LivePatchRequest.AppendJSON, in)
	})
}

// FuzzDecodeRender decodes and applies whatever a server could send as a
// render, to a tree with a stream container: an error, never a panic.
func FuzzDecodeRender(f *testing.F) {
	addGoldenSeeds(f, "render")
	f.Add([]byte(`{"d":[[3,[1,0],"<li id=\"b\">b</li>"]],"s":[["i","s","x",5,"<li id=x>x</li>"],["l","s",-1],["d","s","x"]]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, ok := fuzzDecoder(t, wire.DecodeRender, wire.Render.AppendJSON, in)
		if !ok {
			return
		}
		root := mustParse(t, `<p>a</p><ul id="s" live-update="stream"><li id="a">a</li></ul>`)
		r.Apply(root) // an error is fine; a panic is not
	})
}

func mustParse(t testing.TB, html string) *render.Node {
	t.Helper()
	n, err := render.ParseFragment([]byte(html))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
