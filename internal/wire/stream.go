package wire

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/templive/templive/internal/jsonstr"
)

// A StreamKind says what a [StreamOp] does. The values are the wire codes.
type StreamKind string

// The stream operations; docs/PROTOCOL.md ("Streams") specifies each.
const (
	StreamInsert StreamKind = "i" // ["i", container, id, at, html]
	StreamDelete StreamKind = "d" // ["d", container, id]
	StreamReset  StreamKind = "r" // ["r", container]
	StreamLimit  StreamKind = "l" // ["l", container, limit]
)

// A StreamOp is one change to the items of a stream container, the element
// whose id is Container. Items are the container's element children,
// matched by id.
type StreamOp struct {
	Kind      StreamKind
	Container string
	// ID is the DOM id of the item inserted or deleted.
	ID string
	// At is where an insert goes: before the At-th item, 0 the top; -1, or
	// an index past the end, appends.
	At int
	// HTML is the inserted item's HTML.
	HTML string
	// Limit is how many items a limit keeps: the first Limit, or the last
	// -Limit when it is negative.
	Limit int
}

// AppendStreamOps appends the wire form of ops to dst: a JSON array of
// operations.
func AppendStreamOps(dst []byte, ops []StreamOp) []byte {
	dst = append(dst, '[')
	for i, op := range ops {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = op.AppendJSON(dst)
	}
	return append(dst, ']')
}

// AppendJSON appends op's wire form to dst.
func (op StreamOp) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = jsonstr.Append(dst, string(op.Kind))
	dst = append(dst, ',')
	dst = jsonstr.Append(dst, op.Container)
	switch op.Kind {
	case StreamInsert:
		dst = append(dst, ',')
		dst = jsonstr.Append(dst, op.ID)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(op.At), 10)
		dst = append(dst, ',')
		dst = jsonstr.Append(dst, op.HTML)
	case StreamDelete:
		dst = append(dst, ',')
		dst = jsonstr.Append(dst, op.ID)
	case StreamLimit:
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(op.Limit), 10)
	}
	return append(dst, ']')
}

// DecodeStreamOps decodes a list of stream operations, checking each one's
// kind, its number of arguments and their types; containers must be named.
func DecodeStreamOps(raw []byte) ([]StreamOp, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, malformed("stream operations are not a JSON array", err)
	}
	var ops []StreamOp
	for i, r := range list {
		op, err := decodeStreamOp(r)
		if err != nil {
			return nil, malformed(fmt.Sprintf("stream operation %d: %s", i, err), nil)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// decodeStreamOp decodes one operation.
func decodeStreamOp(raw json.RawMessage) (StreamOp, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 {
		return StreamOp{}, fmt.Errorf("not [kind, container, ...]")
	}
	var op StreamOp
	if err := json.Unmarshal(parts[0], &op.Kind); err != nil {
		return StreamOp{}, fmt.Errorf("kind is not a string")
	}
	if err := json.Unmarshal(parts[1], &op.Container); err != nil || op.Container == "" {
		return StreamOp{}, fmt.Errorf("container is not a non-empty string")
	}
	args := parts[2:]
	want := map[StreamKind]int{StreamInsert: 3, StreamDelete: 1, StreamReset: 0, StreamLimit: 1}
	n, ok := want[op.Kind]
	if !ok {
		return StreamOp{}, fmt.Errorf("unknown kind %q", op.Kind)
	}
	if len(args) != n {
		return StreamOp{}, fmt.Errorf("%q wants %d arguments after the container, got %d", op.Kind, n, len(args))
	}
	switch op.Kind {
	case StreamInsert:
		if json.Unmarshal(args[0], &op.ID) != nil || json.Unmarshal(args[1], &op.At) != nil || json.Unmarshal(args[2], &op.HTML) != nil {
			return StreamOp{}, fmt.Errorf("insert wants [\"i\", container, id string, at integer, html string]")
		}
	case StreamDelete:
		if json.Unmarshal(args[0], &op.ID) != nil {
			return StreamOp{}, fmt.Errorf("delete wants [\"d\", container, id string]")
		}
	case StreamLimit:
		if json.Unmarshal(args[0], &op.Limit) != nil {
			return StreamOp{}, fmt.Errorf("limit wants [\"l\", container, n integer]")
		}
	}
	return op, nil
}
