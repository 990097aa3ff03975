package channel

import (
	"encoding/json"
	"sync"
)

// A Broadcast is an event for every client that joined a topic. Published
// through PubSub (by [Conn.Broadcast] or [Socket.Broadcast]), it is
// encoded once, lazily, and the same frame is written to every connection
// whose channel on that topic receives it (Phoenix's fastlane). It is
// registered with the PubSub as "channel.Broadcast" so it crosses nodes.
//
// Treat a Broadcast as immutable once published.
type Broadcast struct {
	Topic   string
	Event   string
	Payload json.RawMessage `json:",omitempty"`
	Binary  []byte          `json:",omitempty"`

	once  sync.Once
	frame outFrame
	err   error
}

// NewBroadcast encodes payload (JSON, or raw bytes for a [Binary]) into a
// Broadcast.
func NewBroadcast(topic, event string, payload any) (*Broadcast, error) {
	b := &Broadcast{Topic: topic, Event: event}
	if bin, ok := payload.(Binary); ok {
		b.Binary = bin
		return b, nil
	}
	raw, err := marshalPayload(payload)
	if err != nil {
		return nil, err
	}
	b.Payload = raw
	return b, nil
}

// encoded returns the broadcast's frame, encoding it on first use.
func (b *Broadcast) encoded() (outFrame, error) {
	b.once.Do(func() {
		if b.Binary != nil {
			data, err := encodeBinary(kindBroadcast, []string{b.Topic, b.Event}, b.Binary)
			b.frame, b.err = outFrame{data: data, binary: true}, err
			return
		}
		b.frame = outFrame{data: encodeText("", "", b.Topic, b.Event, b.Payload)}
	})
	return b.frame, b.err
}
