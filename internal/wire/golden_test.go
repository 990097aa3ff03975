package wire_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

var update = flag.Bool("update", false, "rewrite the output sections of testdata/*.txtar")

// A codec is one message's encoder and decoder, with the Go value in
// between held as any.
type codec struct {
	decode func([]byte) (any, error)
	encode func(any) []byte
	value  func() any // a pointer to a new zero value, for value.json
}

func codecOf[T any](decode func([]byte) (T, error), encode func(T, []byte) []byte) codec {
	return codec{
		decode: func(b []byte) (any, error) { return decode(b) },
		encode: func(v any) []byte { return encode(v.(T), nil) },
		value:  func() any { return new(T) },
	}
}

// codecs maps the first dot-separated part of a golden file's name to its
// message.
var codecs = map[string]codec{
	"frame":              codecOf(wire.DecodeFrame, wire.Frame.AppendJSON),
	"reply":              codecOf(wire.DecodeReply, wire.Reply.AppendJSON),
	"join":               codecOf(wire.DecodeJoin, wire.JoinPayload.AppendJSON),
	"join_reply":         codecOf(wire.DecodeJoinReply, wire.JoinReply.AppendJSON),
	"refusal":            codecOf(wire.DecodeRefusal, wire.Refusal.AppendJSON),
	"event":              codecOf(wire.DecodeEvent, wire.Event.AppendJSON),
	"live_patch_request": codecOf(wire.DecodeLivePatchRequest, wire.LivePatchRequest.AppendJSON),
	"render":             codecOf(wire.DecodeRender, wire.Render.AppendJSON),
	"redirect":           codecOf(wire.DecodeRedirect, wire.Redirect.AppendJSON),
	"live_redirect":      codecOf(wire.DecodeLiveRedirect, wire.LiveRedirect.AppendJSON),
	"live_patch":         codecOf(wire.DecodeLivePatch, wire.LivePatch.AppendJSON),
	"pong":               codecOf(wire.DecodePong, wire.Pong.AppendJSON),
	"upload_allow":       codecOf(wire.DecodeUploadAllow, wire.UploadAllow.AppendJSON),
	"upload_allowed":     codecOf(wire.DecodeUploadAllowed, wire.UploadAllowed.AppendJSON),
	"upload_join":        codecOf(wire.DecodeUploadJoin, wire.UploadJoin.AppendJSON),
	"upload_ack":         codecOf(wire.DecodeUploadAck, wire.UploadAck.AppendJSON),
	"upload_progress":    codecOf(wire.DecodeUploadProgress, wire.UploadProgress.AppendJSON),
	"stream_ops":         codecOf(wire.DecodeStreamOps, func(ops []wire.StreamOp, dst []byte) []byte { return wire.AppendStreamOps(dst, ops) }),
}

// TestGolden runs the cases of testdata, three kinds told apart by their
// sections (the output ones are rewritten by go test -update):
//
//   - encode: value.json (the Go value, with Go's field names) → wire.json,
//     its AppendJSON; and wire.json must decode back to the value;
//   - decode: input.json (what a peer sent) → value.json or error; a
//     decoded value must survive AppendJSON and decoding again;
//   - apply (files named apply.*): before.html (a view root's content) and
//     render.json (a render as the server sends it) → after.html, what
//     Render.Apply leaves, or error.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		message, _, _ := strings.Cut(name, ".")
		seen[message] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			g := &golden{t: t, file: file, ar: ar}
			if message == "apply" {
				g.apply()
			} else if c, ok := codecs[message]; !ok {
				t.Fatalf("no message %q (the file name's first part)", message)
			} else if g.has("input.json") {
				g.decode(c)
			} else {
				g.encode(c)
			}
			g.save()
		})
	}
	for message := range codecs {
		if !seen[message] {
			t.Errorf("no golden file for %s", message)
		}
	}
	if !seen["apply"] {
		t.Error("no golden file for apply")
	}
}

// golden is one txtar case.
type golden struct {
	t       *testing.T
	file    string
	ar      *txtar.Archive
	changed bool
}

func (g *golden) has(section string) bool { return g.index(section) >= 0 }

func (g *golden) index(section string) int {
	for i, f := range g.ar.Files {
		if f.Name == section {
			return i
		}
	}
	return -1
}

// section returns a section's content without its final newline; the test
// fails if there is none.
func (g *golden) section(name string) []byte {
	g.t.Helper()
	i := g.index(name)
	if i < 0 {
		g.t.Fatalf("no %s section", name)
	}
	return bytes.TrimSuffix(g.ar.Files[i].Data, []byte("\n"))
}

// check compares an output section with got, or with -update replaces it
// (and drops the other output sections listed in others).
func (g *golden) check(name, got string, others ...string) {
	g.t.Helper()
	if *update {
		for _, o := range others {
			if i := g.index(o); i >= 0 {
				g.ar.Files = append(g.ar.Files[:i], g.ar.Files[i+1:]...)
			}
		}
		i := g.index(name)
		if i < 0 {
			g.ar.Files = append(g.ar.Files, txtar.File{Name: name})
			i = len(g.ar.Files) - 1
		}
		if string(g.ar.Files[i].Data) != got+"\n" {
			g.ar.Files[i].Data = []byte(got + "\n")
			g.changed = true
		}
		return
	}
	if !g.has(name) {
		g.t.Fatalf("want a %s section, got:\n%s\n(go test -update writes it)", name, got)
	}
	if want := string(g.section(name)); got != want {
		g.t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func (g *golden) save() {
	if *update && g.changed {
		if err := os.WriteFile(g.file, txtar.Format(g.ar), 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
}

// encode checks value.json → wire.json → the same value.
func (g *golden) encode(c codec) {
	g.t.Helper()
	p := c.value()
	dec := json.NewDecoder(bytes.NewReader(g.section("value.json")))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p); err != nil {
		g.t.Fatalf("value.json: %v", err)
	}
	nullToNil(reflect.ValueOf(p).Elem())
	v := reflect.ValueOf(p).Elem().Interface()
	wireForm := c.encode(v)
	if !json.Valid(wireForm) {
		g.t.Fatalf("AppendJSON wrote invalid JSON: %s", wireForm)
	}
	g.check("wire.json", string(wireForm))
	back, err := c.decode(wireForm)
	if err != nil {
		g.t.Fatalf("decoding %s: %v", wireForm, err)
	}
	if !reflect.DeepEqual(back, v) {
		g.t.Errorf("round trip:\n got %s\nwant %s", goValue(back), goValue(v))
	}
}

// decode checks input.json → value.json or error.
func (g *golden) decode(c codec) {
	g.t.Helper()
	v, err := c.decode(g.section("input.json"))
	if err != nil {
		g.check("error", err.Error(), "value.json")
		return
	}
	g.check("value.json", goValue(v), "error")
	wireForm := c.encode(v)
	back, err := c.decode(wireForm)
	if err != nil {
		g.t.Fatalf("decoding its encoding %s: %v", wireForm, err)
	}
	if !reflect.DeepEqual(back, v) {
		g.t.Errorf("round trip through %s:\n got %s\nwant %s", wireForm, goValue(back), goValue(v))
	}
}

// apply checks before.html + render.json → after.html or error.
func (g *golden) apply() {
	g.t.Helper()
	root, err := render.ParseFragment(g.section("before.html"))
	if err != nil {
		g.t.Fatal(err)
	}
	r, err := wire.DecodeRender(g.section("render.json"))
	if err == nil {
		err = r.Apply(root)
	}
	if err != nil {
		g.check("error", err.Error(), "after.html")
		return
	}
	g.check("after.html", string(root.AppendHTML(nil)), "error")
}

// nullToNil makes every json.RawMessage in v that holds null nil, as a
// value.json shows a nil one: encoding/json fills it with "null".
func nullToNil(v reflect.Value) {
	switch {
	case v.Type() == reflect.TypeFor[json.RawMessage]():
		if string(v.Bytes()) == "null" {
			v.SetBytes(nil)
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				nullToNil(v.Field(i))
			}
		}
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			nullToNil(v.Index(i))
		}
	}
}

// goValue shows a Go value as JSON with its Go field names, the form of
// value.json.
func goValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
