package pubsub

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// An Envelope is what crosses nodes: one broadcast, encoded once and
// published once. Adapters carry its binary form as an opaque frame.
//
// The binary form is a version byte (1), then Node, To, Topic and Type, each
// as a uvarint length followed by that many bytes, then Data up to the end.
type Envelope struct {
	Node  string // the node that broadcast it
	To    string // the only node that should deliver it; "" for every other node
	Topic string
	Type  string // registered type name; "" for a nil payload
	Data  []byte // the payload encoded by the Codec
}

const envelopeVersion = 1

// maxField bounds each string field, so a corrupt length cannot ask for a
// huge allocation.
const maxField = 1 << 16

var errShortEnvelope = errors.New("truncated")

// AppendBinary appends the binary form of e to b.
func (e Envelope) AppendBinary(b []byte) ([]byte, error) {
	for _, f := range [...]struct{ name, v string }{{"node", e.Node}, {"to", e.To}, {"topic", e.Topic}, {"type", e.Type}} {
		if len(f.v) > maxField {
			return b, fmt.Errorf("%w: %s is %d bytes, over %d", ErrEncode, f.name, len(f.v), maxField)
		}
	}
	b = append(b, envelopeVersion)
	for _, s := range [...]string{e.Node, e.To, e.Topic, e.Type} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, e.Data...), nil
}

// UnmarshalBinary decodes an envelope. Data aliases b. Any malformed input is
// reported as an error wrapping [ErrDecode].
func (e *Envelope) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty envelope", ErrDecode)
	}
	if b[0] != envelopeVersion {
		return fmt.Errorf("%w: unknown envelope version %d", ErrDecode, b[0])
	}
	b = b[1:]
	var fields [4]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return fmt.Errorf("%w: envelope field %d: bad length", ErrDecode, i)
		}
		b = b[k:]
		if n > maxField || n > uint64(len(b)) {
			return fmt.Errorf("%w: envelope field %d: %w", ErrDecode, i, errShortEnvelope)
		}
		fields[i] = string(b[:n])
		b = b[n:]
	}
	if fields[0] == "" {
		return fmt.Errorf("%w: envelope without a node", ErrDecode)
	}
	*e = Envelope{Node: fields[0], To: fields[1], Topic: fields[2], Type: fields[3], Data: b}
	return nil
}
