package pubsub

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
)

// A Codec turns the values broadcast to other nodes into bytes and back.
// Values delivered in the process that broadcast them are never encoded.
// A Codec must be safe for concurrent use.
type Codec interface {
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, which is a non-nil pointer. It must
	// not keep data, which belongs to the adapter.
	Unmarshal(data []byte, v any) error
}

// JSON is the default [Codec]: encoding/json.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// types maps wire names to Go types and back, so that a receiving node can
// rebuild the very type that was broadcast.
type types struct {
	mu     sync.RWMutex // guards byName, byType
	byName map[string]reflect.Type
	byType map[reflect.Type]string
}

func newTypes() *types {
	ts := &types{
		byName: make(map[string]reflect.Type),
		byType: make(map[reflect.Type]string),
	}
	// Plain values work across nodes without ceremony.
	for name, v := range map[string]any{
		"string":         "",
		"bool":           false,
		"int":            0,
		"int64":          int64(0),
		"uint64":         uint64(0),
		"float64":        float64(0),
		"[]byte":         []byte(nil),
		"[]string":       []string(nil),
		"[]any":          []any(nil),
		"map[string]any": map[string]any(nil),
	} {
		ts.register(name, reflect.TypeOf(v))
	}
	return ts
}

func (ts *types) register(name string, t reflect.Type) error {
	if name == "" {
		return fmt.Errorf("%w: empty name for %v", ErrUnregistered, t)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if old, ok := ts.byName[name]; ok && old != t {
		return fmt.Errorf("%w: name %q is already %v, not %v", ErrDuplicateType, name, old, t)
	}
	if old, ok := ts.byType[t]; ok && old != name {
		return fmt.Errorf("%w: %v is already named %q, not %q", ErrDuplicateType, t, old, name)
	}
	ts.byName[name] = t
	ts.byType[t] = name
	return nil
}

func (ts *types) name(v any) (string, bool) {
	if v == nil {
		return "", true
	}
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	name, ok := ts.byType[reflect.TypeOf(v)]
	return name, ok
}

func (ts *types) lookup(name string) (reflect.Type, bool) {
	ts.mu.RLock()
	defer ts.mu.RUnlock()
	t, ok := ts.byName[name]
	return t, ok
}

// Register names the type of sample for crossing nodes: a value of that type
// broadcast on one node is delivered on the others as a value of the same
// type, provided every node registered it under the same name. Register
// pointer and value types separately if both are broadcast. Choose stable,
// package-qualified names ("blog.PostCreated"): they are part of the wire
// format between nodes that may run different builds.
//
// Registering the same pair again is harmless; reusing a name or a type with
// a different counterpart fails with [ErrDuplicateType]. Register is safe for
// concurrent use, but register before broadcasting: a node receiving an
// unknown name reports [ErrUnregistered] and drops the message.
//
// A few plain types are registered from the start under their Go names:
// string, bool, int, int64, uint64, float64, []byte, []string, []any and
// map[string]any.
func (ps *PubSub) Register(name string, sample any) error {
	if sample == nil {
		return fmt.Errorf("%w: nil sample for %q", ErrUnregistered, name)
	}
	return ps.types.register(name, reflect.TypeOf(sample))
}

// Register is the generic form of [PubSub.Register]: it names type T.
func Register[T any](ps *PubSub, name string) error {
	return ps.types.register(name, reflect.TypeFor[T]())
}

// encode returns the envelope bytes for msg.
func (ps *PubSub) encode(to, topicName string, msg any) ([]byte, error) {
	name, ok := ps.types.name(msg)
	if !ok {
		return nil, fmt.Errorf("%w: %T broadcast on %q (register it with PubSub.Register)", ErrUnregistered, msg, topicName)
	}
	var data []byte
	if msg != nil {
		var err error
		data, err = ps.codec.Marshal(msg)
		if err != nil {
			return nil, fmt.Errorf("%w: %s on %q: %w", ErrEncode, name, topicName, err)
		}
	}
	env := Envelope{Node: ps.node, To: to, Topic: topicName, Type: name, Data: data}
	return env.AppendBinary(nil)
}

// decodePayload rebuilds the value an envelope carries.
func (ps *PubSub) decodePayload(env *Envelope) (any, error) {
	if env.Type == "" {
		return nil, nil
	}
	t, ok := ps.types.lookup(env.Type)
	if !ok {
		return nil, fmt.Errorf("%w: %q from node %q on %q", ErrUnregistered, env.Type, env.Node, env.Topic)
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := ps.codec.Unmarshal(env.Data, p.Interface()); err != nil {
			return nil, fmt.Errorf("%w: %q from node %q on %q: %w", ErrDecode, env.Type, env.Node, env.Topic, err)
		}
		return p.Interface(), nil
	}
	p := reflect.New(t)
	if err := ps.codec.Unmarshal(env.Data, p.Interface()); err != nil {
		return nil, fmt.Errorf("%w: %q from node %q on %q: %w", ErrDecode, env.Type, env.Node, env.Topic, err)
	}
	return p.Elem().Interface(), nil
}
