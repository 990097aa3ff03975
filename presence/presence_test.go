package presence_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/templive/templive/presence"
)

func TestMetaJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		meta any
		want string
	}{
		{
			name: "the fields of the meta are flattened next to phx_ref",
			meta: presence.Meta[roomMeta]{Ref: "F1", Value: roomMeta{Name: "Alice", Typing: true}},
			want: `{"phx_ref":"F1","name":"Alice","typing":true}`,
		},
		{
			name: "an updated meta carries phx_ref_prev",
			meta: presence.Meta[roomMeta]{Ref: "F2", PrevRef: "F1", Value: roomMeta{}},
			want: `{"phx_ref":"F2","phx_ref_prev":"F1","typing":false}`,
		},
		{
			name: "an empty struct gives the refs alone",
			meta: presence.Meta[struct{}]{Ref: "F1"},
			want: `{"phx_ref":"F1"}`,
		},
		{
			name: "a map meta is flattened too",
			meta: presence.Meta[map[string]int]{Ref: "F1", Value: map[string]int{"n": 1}},
			want: `{"phx_ref":"F1","n":1}`,
		},
		{
			name: "a nil map meta gives the refs alone",
			meta: presence.Meta[map[string]int]{Ref: "F1"},
			want: `{"phx_ref":"F1"}`,
		},
		{
			name: "a ref that needs escaping is escaped",
			meta: presence.Meta[struct{}]{Ref: `a"b`},
			want: `{"phx_ref":"a\"b"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tt.meta)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMetaJSONNotObject(t *testing.T) {
	t.Parallel()
	_, err := json.Marshal(presence.Meta[int]{Ref: "F1", Value: 3})
	if !errors.Is(err, presence.ErrMetaNotObject) {
		t.Fatalf("got %v, want ErrMetaNotObject", err)
	}
}

func TestMetaJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in := presence.Meta[roomMeta]{Ref: "F2", PrevRef: "F1", Value: roomMeta{Name: "Alice", Typing: true}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out presence.Meta[roomMeta]
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip gave %+v, want %+v", out, in)
	}
}

func TestDiffJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		want string
	}{
		{
			name: "a diff has joins and leaves keyed by key, each with metas",
			v: presence.Diff[roomMeta]{
				Topic: "room:1",
				Joins: presence.Presences[roomMeta]{"alice": {Metas: []presence.Meta[roomMeta]{
					{Ref: "F2", PrevRef: "F1", Value: roomMeta{Typing: true}},
				}}},
				Leaves: presence.Presences[roomMeta]{"alice": {Metas: []presence.Meta[roomMeta]{
					{Ref: "F1", Value: roomMeta{}},
				}}},
			},
			want: `{"joins":{"alice":{"metas":[{"phx_ref":"F2","phx_ref_prev":"F1","typing":true}]}},` +
				`"leaves":{"alice":{"metas":[{"phx_ref":"F1","typing":false}]}}}`,
		},
		{
			name: "a diff without leaves still has an empty leaves object",
			v: presence.Diff[roomMeta]{Joins: presence.Presences[roomMeta]{"bob": {Metas: []presence.Meta[roomMeta]{
				{Ref: "F3", Value: roomMeta{}},
			}}}},
			want: `{"joins":{"bob":{"metas":[{"phx_ref":"F3","typing":false}]}},"leaves":{}}`,
		},
		{
			name: "an empty list is an empty object, as presence_state expects",
			v:    presence.Presences[roomMeta](nil),
			want: `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPresencesSync(t *testing.T) {
	t.Parallel()
	meta := func(ref string) presence.Meta[roomMeta] { return presence.Meta[roomMeta]{Ref: ref} }
	one := func(refs ...string) presence.Presence[roomMeta] {
		var p presence.Presence[roomMeta]
		for _, r := range refs {
			p.Metas = append(p.Metas, meta(r))
		}
		return p
	}
	tests := []struct {
		name       string
		state      presence.Presences[roomMeta]
		diff       presence.Diff[roomMeta]
		wantByRefs map[string][]string
	}{
		{
			name:       "a join of a new key adds it",
			state:      presence.Presences[roomMeta]{},
			diff:       presence.Diff[roomMeta]{Joins: presence.Presences[roomMeta]{"a": one("1")}},
			wantByRefs: map[string][]string{"a": {"1"}},
		},
		{
			name:       "a join of a known key adds a meta",
			state:      presence.Presences[roomMeta]{"a": one("1")},
			diff:       presence.Diff[roomMeta]{Joins: presence.Presences[roomMeta]{"a": one("2")}},
			wantByRefs: map[string][]string{"a": {"1", "2"}},
		},
		{
			name:       "a join already held changes nothing",
			state:      presence.Presences[roomMeta]{"a": one("1")},
			diff:       presence.Diff[roomMeta]{Joins: presence.Presences[roomMeta]{"a": one("1")}},
			wantByRefs: map[string][]string{"a": {"1"}},
		},
		{
			name:  "an update replaces the meta",
			state: presence.Presences[roomMeta]{"a": one("1", "9")},
			diff: presence.Diff[roomMeta]{
				Joins:  presence.Presences[roomMeta]{"a": one("2")},
				Leaves: presence.Presences[roomMeta]{"a": one("1")},
			},
			wantByRefs: map[string][]string{"a": {"9", "2"}},
		},
		{
			name:       "the last meta leaving removes the key",
			state:      presence.Presences[roomMeta]{"a": one("1"), "b": one("3")},
			diff:       presence.Diff[roomMeta]{Leaves: presence.Presences[roomMeta]{"a": one("1")}},
			wantByRefs: map[string][]string{"b": {"3"}},
		},
		{
			name:       "a leave of an unknown key changes nothing",
			state:      presence.Presences[roomMeta]{"b": one("3")},
			diff:       presence.Diff[roomMeta]{Leaves: presence.Presences[roomMeta]{"a": one("1")}},
			wantByRefs: map[string][]string{"b": {"3"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.state.Sync(tt.diff)
			got := make(map[string][]string)
			for key, p := range tt.state {
				for _, m := range p.Metas {
					got[key] = append(got[key], m.Ref)
				}
			}
			if b1, b2 := mustJSON(t, got), mustJSON(t, tt.wantByRefs); b1 != b2 {
				t.Fatalf("got %s, want %s", b1, b2)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzMetaJSON decodes arbitrary metas as a client might send them: nothing
// panics, and what decodes re-encodes to a meta that decodes the same.
func FuzzMetaJSON(f *testing.F) {
	f.Add([]byte(`{"phx_ref":"F2","phx_ref_prev":"F1","name":"Alice","typing":true}`))
	f.Add([]byte(`{"phx_ref":"a\"b","typing":false}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m presence.Meta[roomMeta]
		if json.Unmarshal(data, &m) != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("a decoded meta does not encode: %v", err)
		}
		var again presence.Meta[roomMeta]
		if err := json.Unmarshal(b, &again); err != nil || again != m {
			t.Fatalf("%s decoded to %+v, re-encoded as %s, decoded to %+v (%v)", data, m, b, again, err)
		}
	})
}
