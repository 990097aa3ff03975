package diff

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/templive/templive/internal/jsonstr"
)

// OpCode says what an [Op] does. The values are the wire codes.
type OpCode uint8

// The operations of a patch; docs/PROTOCOL.md specifies each.
const (
	OpText       OpCode = iota // set the text of the text or comment node at Path to Value
	OpSetAttr                  // set attribute Name of the element at Path to Value
	OpRemoveAttr               // remove attribute Name of the element at Path
	OpInsert                   // parse Value in the parent's context, insert the nodes so the first is at Path
	OpRemove                   // remove N siblings starting at Path
	OpMove                     // take the node at Path out and put it back at index N of the same parent
	OpReplace                  // replace the node at Path with the nodes parsed from Value
	OpSplice                   // replace Count UTF-16 code units at offset N of the text at Path with Value
	numOps
)

// Op is one operation of a patch. Path is a list of child indices from the
// view root to the node the operation addresses; for [OpInsert] its last
// index is where the first new node goes (and may equal the parent's number
// of children).
type Op struct {
	Code  OpCode
	Path  []int
	Name  string // OpSetAttr, OpRemoveAttr
	Value string // OpText, OpSetAttr: the text; OpInsert, OpReplace: the HTML
	N     int    // OpRemove: the count (1 if zero); OpMove: the destination index; OpSplice: the offset
	Count int    // OpSplice: how many UTF-16 code units to replace
}

// Patch is a list of operations, applied in order, each to the tree the
// previous ones left. A nil Patch changes nothing.
type Patch []Op

// Empty reports whether p changes nothing.
func (p Patch) Empty() bool { return len(p) == 0 }

// Rebase moves p, a patch whose paths start at an element, to the view
// root: path is the element's path from the root, and p's first indices
// count from index among its children (see [render.Change]). It modifies p
// in place and returns it.
func (p Patch) Rebase(path []int, index int) Patch {
	if len(path) == 0 && index == 0 {
		return p
	}
	for i := range p {
		op := &p[i]
		q := make([]int, 0, len(path)+len(op.Path))
		q = append(append(q, path...), op.Path...)
		q[len(path)] += index
		if op.Code == OpMove && len(op.Path) == 1 {
			op.N += index
		}
		op.Path = q
	}
	return p
}

// maxDepth bounds the paths a decoded patch may hold.
const maxDepth = 1024

// AppendJSON appends the wire form of p to dst: a JSON array of operations,
// each an array [code, path, args...]. Strings keep <, > and & as they are
// (HTML travels in patches, and escaping it costs bytes); invalid UTF-8
// becomes U+FFFD, since a WebSocket text frame must be valid UTF-8.
func (p Patch) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	for i, op := range p {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(op.Code), 10)
		dst = append(dst, ',', '[')
		for j, k := range op.Path {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(k), 10)
		}
		dst = append(dst, ']')
		switch op.Code {
		case OpText, OpInsert, OpReplace:
			dst = append(dst, ',')
			dst = jsonstr.Append(dst, op.Value)
		case OpSetAttr:
			dst = append(dst, ',')
			dst = jsonstr.Append(dst, op.Name)
			dst = append(dst, ',')
			dst = jsonstr.Append(dst, op.Value)
		case OpRemoveAttr:
			dst = append(dst, ',')
			dst = jsonstr.Append(dst, op.Name)
		case OpRemove:
			if op.N > 1 {
				dst = append(dst, ',')
				dst = strconv.AppendInt(dst, int64(op.N), 10)
			}
		case OpMove:
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(op.N), 10)
		case OpSplice:
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(op.N), 10)
			dst = append(dst, ',')
			dst = strconv.AppendInt(dst, int64(op.Count), 10)
			dst = append(dst, ',')
			dst = jsonstr.Append(dst, op.Value)
		}
		dst = append(dst, ']')
	}
	return append(dst, ']')
}

// MarshalJSON implements [json.Marshaler] with [Patch.AppendJSON].
func (p Patch) MarshalJSON() ([]byte, error) { return p.AppendJSON(nil), nil }

// UnmarshalJSON implements [json.Unmarshaler] with [DecodeJSON].
func (p *Patch) UnmarshalJSON(b []byte) error {
	q, err := DecodeJSON(b)
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// DecodeJSON parses the wire form of a patch. It checks the shape of every
// operation (codes, paths of non-negative indices, argument types) but not
// whether the paths resolve: [Apply] does that.
func DecodeJSON(b []byte) (Patch, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPatch, err)
	}
	p := make(Patch, 0, len(raw))
	for i, r := range raw {
		op, err := decodeOp(r)
		if err != nil {
			return nil, fmt.Errorf("%w: operation %d: %w", ErrInvalidPatch, i, err)
		}
		p = append(p, op)
	}
	return p, nil
}

func decodeOp(b []byte) (Op, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return Op{}, err
	}
	if len(parts) < 2 {
		return Op{}, fmt.Errorf("want [code, path, ...], got %d elements", len(parts))
	}
	var op Op
	var code int
	if err := json.Unmarshal(parts[0], &code); err != nil {
		return Op{}, fmt.Errorf("code: %w", err)
	}
	if code < 0 || code >= int(numOps) {
		return Op{}, fmt.Errorf("unknown code %d", code)
	}
	op.Code = OpCode(code)
	if err := json.Unmarshal(parts[1], &op.Path); err != nil {
		return Op{}, fmt.Errorf("path: %w", err)
	}
	if len(op.Path) == 0 || len(op.Path) > maxDepth {
		return Op{}, fmt.Errorf("path of length %d", len(op.Path))
	}
	for _, k := range op.Path {
		if k < 0 {
			return Op{}, fmt.Errorf("negative index %d in path", k)
		}
	}
	args := parts[2:]
	want := func(n int) error {
		if len(args) != n {
			return fmt.Errorf("code %d takes %d arguments, got %d", code, n, len(args))
		}
		return nil
	}
	var err error
	switch op.Code {
	case OpText, OpInsert, OpReplace:
		if err = want(1); err == nil {
			err = json.Unmarshal(args[0], &op.Value)
		}
	case OpSetAttr:
		if err = want(2); err == nil {
			if err = json.Unmarshal(args[0], &op.Name); err == nil {
				err = json.Unmarshal(args[1], &op.Value)
			}
		}
	case OpRemoveAttr:
		if err = want(1); err == nil {
			err = json.Unmarshal(args[0], &op.Name)
		}
	case OpRemove:
		op.N = 1
		if len(args) > 0 {
			if err = want(1); err == nil {
				err = json.Unmarshal(args[0], &op.N)
			}
			if err == nil && op.N < 1 {
				err = fmt.Errorf("remove count %d", op.N)
			}
		}
	case OpMove:
		if err = want(1); err == nil {
			err = json.Unmarshal(args[0], &op.N)
		}
		if err == nil && op.N < 0 {
			err = fmt.Errorf("negative move target %d", op.N)
		}
	case OpSplice:
		if err = want(3); err == nil {
			if err = json.Unmarshal(args[0], &op.N); err == nil {
				if err = json.Unmarshal(args[1], &op.Count); err == nil {
					err = json.Unmarshal(args[2], &op.Value)
				}
			}
		}
		if err == nil && (op.N < 0 || op.Count < 0) {
			err = fmt.Errorf("negative splice offset %d or count %d", op.N, op.Count)
		}
	}
	if err != nil {
		return Op{}, err
	}
	if (op.Code == OpSetAttr || op.Code == OpRemoveAttr) && op.Name == "" {
		return Op{}, fmt.Errorf("empty attribute name")
	}
	return op, nil
}
