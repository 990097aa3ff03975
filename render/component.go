package render

import (
	"bytes"
	"context"
	"sync"

	"github.com/a-h/templ"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// AppendComponent renders c and appends its HTML to dst. It is the
// allocation-free way to render: pass a buffer you reuse.
func AppendComponent(ctx context.Context, dst []byte, c templ.Component) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	if err := c.Render(ctx, buf); err != nil {
		return dst, err
	}
	return buf.Bytes(), nil
}

// Component renders c to HTML. It renders into a pooled buffer and returns a
// copy of exactly the rendered size, so only the result is allocated.
func Component(ctx context.Context, c templ.Component) ([]byte, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := c.Render(ctx, buf); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}
