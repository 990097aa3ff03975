package live

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/bits"
	"slices"
	"sync"
	"unsafe"

	templruntime "github.com/a-h/templ/runtime"
)

// errOutside stops a render of components alone that reaches a component
// rendered elsewhere in the view: only a render of the whole view can
// tell a component that moved from two with one id.
var errOutside = errors.New("live: a component rendered alone renders one from elsewhere in its view")

// A recorder notes where the HTML of each component lands while the
// connected view renders, and the context it renders with, so that a
// component whose own state changed can later be rendered alone and its
// HTML spliced into the last render (see [viewChannel.renderParts]).
type recorder struct {
	frames  []frame
	alone   *mounted // the component rendered alone, or nil for the whole view
	outside bool     // the component alone rendered one from elsewhere
}

// frame is one level of a render: the buffer the view or a component
// renders into, and the components written into it so far, at any depth,
// with their spans in it.
type frame struct {
	buf  *bytes.Buffer
	m    *mounted // the component rendering into buf, or nil for the view
	kids []*mounted
}

// push opens a level for m and returns its buffer, from frameBufs.
func (r *recorder) push(m *mounted) *bytes.Buffer {
	buf := frameBufs.Get().(*bytes.Buffer)
	buf.Reset()
	r.frames = append(r.frames, frame{buf: buf, m: m})
	return buf
}

// pop closes the innermost level. Its buffer goes back to frameBufs once
// its bytes are written out.
func (r *recorder) pop() frame {
	f := r.frames[len(r.frames)-1]
	r.frames[len(r.frames)-1] = frame{}
	r.frames = r.frames[:len(r.frames)-1]
	return f
}

// frameBufs holds the buffers components render into before they are
// marked and written out: shared by all views, since a view holding one
// the size of its biggest component would double what an idle view costs.
var frameBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxFrameBuf is the biggest buffer frameBufs keeps.
const maxFrameBuf = 1 << 20

// startRecording records the components of a render into buf: the view's
// whole render, or that of the component alone.
func (cs *components) startRecording(buf *bytes.Buffer, alone *mounted) {
	if cs.rec == nil {
		cs.rec = &recorder{}
	}
	r := cs.rec
	r.alone, r.outside = alone, false
	r.frames = append(r.frames[:0], frame{buf: buf})
	if alone != nil {
		r.frames[0].m = alone.parent
	}
	cs.recording = true
}

// stopRecording ends the recording of a render.
func (cs *components) stopRecording() {
	cs.recording = false
	r := cs.rec
	r.alone = nil
	for _, f := range r.frames[1:] { // left by a failed render
		frameBufs.Put(f.buf)
	}
	clear(r.frames[:cap(r.frames)]) // no buffer or component kept past the render
	r.frames = r.frames[:0]
}

// outside reports whether m, kept from an earlier render, is out of the
// component being rendered alone.
func (cs *components) outside(m *mounted) bool {
	if !cs.recording || cs.rec.alone == nil || m == cs.rec.alone {
		return false
	}
	for p := m.parent; p != nil; p = p.parent {
		if p == cs.rec.alone {
			return false
		}
	}
	return true
}

// write renders the kept component m into w, its root element marked with
// its id, and notes where its HTML went when the view's render is being
// recorded.
func (cs *components) write(ctx context.Context, w io.Writer, m *mounted) error {
	if !cs.recording {
		m.start = -1
		var buf bytes.Buffer
		if err := m.value.(renderer).Render().Render(ctx, &buf); err != nil {
			return err
		}
		_, _, err := writeMarked(w, buf.Bytes(), m.id)
		return err
	}
	r := cs.rec
	top := &r.frames[len(r.frames)-1]
	base := -1 // where m's HTML starts in top.buf, if w writes there
	if reaches(w, top.buf) {
		base = top.buf.Len()
	}
	if m != r.alone {
		m.ctx = ctx
	}
	m.parent = top.m
	buf := r.push(m)
	err := m.value.(renderer).Render().Render(ctx, buf)
	f := r.pop()
	out := f.buf.Bytes()
	var at, added int
	if err == nil {
		at, added, err = writeMarked(w, out, m.id)
	}
	if f.buf.Cap() <= maxFrameBuf {
		frameBufs.Put(f.buf)
	}
	if err != nil {
		return err
	}
	// The components inside m move with it, and past the attribute
	// writeMarked inserted at at.
	moved := func(p int) int {
		if p >= at {
			p += added
		}
		return base + p
	}
	top = &r.frames[len(r.frames)-1] // nested renders may have grown r.frames
	for _, k := range f.kids {
		if base < 0 || k.start < 0 {
			k.start = -1
		} else {
			k.start, k.end = moved(k.start), moved(k.end)
		}
		if len(r.frames) > 1 || r.alone != nil {
			top.kids = append(top.kids, k)
		}
	}
	m.start, m.end = base, base+len(out)+added
	// A whole render needs no list of its components: their spans are
	// final at its level.
	if len(r.frames) > 1 || r.alone != nil {
		top.kids = append(top.kids, m)
	}
	return nil
}

// reaches reports whether what is written to w goes straight on to the end
// of target, through the buffers templ's generated code wraps writers in,
// which it flushes so that target's length is where the next bytes go.
func reaches(w io.Writer, target *bytes.Buffer) bool {
	var chain [4]*templruntime.Buffer
	n := 0
	for {
		switch b := w.(type) {
		case *bytes.Buffer:
			if b != target {
				return false
			}
			for _, c := range chain[:n] {
				if c.Flush() != nil {
					return false
				}
			}
			return true
		case *templruntime.Buffer:
			if n == len(chain) {
				return false
			}
			chain[n] = b
			n++
			w = b.Underlying
		default:
			return false
		}
	}
}

// recorded reports whether the components' spans are in html.
func (cs *components) recorded(html []byte) bool {
	if len(html) == 0 || len(cs.html) != len(html) {
		return false
	}
	return sameSlice(cs.html, html) || bytes.Equal(cs.html, html)
}

// valuesOf is a context with the values of the one a component was last
// rendered with, and the cancellation of the current one: what the
// component sees when it renders alone is what it saw in its view.
type valuesOf struct {
	context.Context
	values context.Context
}

func (c valuesOf) Value(key any) any { return c.values.Value(key) }

// renderAlone renders the kept component m alone, as it renders in its
// view, and returns its HTML and the components it rendered, m last, with
// their spans in it.
func (cs *components) renderAlone(ctx context.Context, m *mounted) ([]byte, []*mounted, error) {
	var buf bytes.Buffer
	cs.startRecording(&buf, m)
	defer cs.stopRecording()
	m.pass = cs.pass
	err := cs.write(valuesOf{Context: ctx, values: m.ctx}, &buf, m)
	if cs.rec.outside {
		return nil, nil, errOutside
	}
	if err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), slices.Clone(cs.rec.frames[0].kids), nil
}

// renderParts renders alone the components whose own callbacks ran since
// the last render, when nothing else the view renders can have changed,
// and splices their HTML into the last render in place of theirs: the
// HTML a render of the whole view would give, for what the components
// cost. The components inside them render again with them; those they no
// longer render are forgotten, as a render of the view forgets them.
//
// It reports false when the view must render whole: a callback changed
// the flash, uploads or streams; a component's span in the last render is
// not known (its HTML did not go straight into the view's buffer); a
// component renders one from elsewhere in the view; or the last render is
// not the HTML the browser has, because stream items were cut out of it.
// So no component in a stream item is ever rendered alone: items are in
// the HTML of those renders only.
func (vc *viewChannel) renderParts(ctx context.Context, ids []string) (html []byte, same unchanged, ok bool, err error) {
	s, cs := vc.s, &vc.s.comps
	old := vc.last.html
	if len(ids) == 0 || s.viewChanged || s.streamsPending() || vc.last.compact != nil || !cs.recorded(old) {
		return nil, same, false, nil
	}
	ms := make([]*mounted, 0, len(ids))
	for _, id := range ids {
		m := cs.byID[id]
		if m == nil || m.ctx == nil || m.start < 0 {
			return nil, same, false, nil
		}
		if !slices.Contains(ms, m) {
			ms = append(ms, m)
		}
	}
	// A component inside another that renders renders with it.
	top := ms[:0:0]
	for _, m := range ms {
		if !inAny(m, ms) {
			top = append(top, m)
		}
	}
	slices.SortFunc(top, func(a, b *mounted) int { return a.start - b.start })

	defer recoverCrash(&err, callback{name: "Render"})
	cs.begin()
	type piece struct {
		start, end int // m's span in the old render
		part       []byte
		kids       []*mounted // the components rendered in part, m last
	}
	pieces := make([]piece, 0, len(top))
	changed := false
	for _, m := range top {
		start, end := m.start, m.end
		part, kids, err := cs.renderAlone(ctx, m)
		if errors.Is(err, errOutside) {
			return nil, same, false, nil
		}
		if err != nil {
			return nil, same, false, callback{name: "Render"}.failed(err)
		}
		changed = changed || !bytes.Equal(part, old[start:end])
		pieces = append(pieces, piece{start, end, part, kids})
	}
	html = old
	if changed {
		html = getHTML(len(old) + len(old)/64 + 64)
	}
	prev := 0
	for _, p := range pieces {
		at := p.start
		if changed {
			html = append(html, old[prev:p.start]...)
			at = len(html)
			html = append(html, p.part...)
			prev = p.end
		}
		for _, k := range p.kids {
			if k.start >= 0 {
				k.start, k.end = k.start+at, k.end+at
			}
		}
	}
	if changed {
		html = append(html, old[prev:]...)
	}
	same = unchanged{head: top[0].start, tail: len(html) - top[len(top)-1].end}

	// Spans after a splice move by its change in length. A component that
	// was inside one rendered again, and was not rendered now, is gone.
	moved := func(p int) int {
		q := p
		for _, pc := range pieces {
			if pc.end <= p {
				q += len(pc.part) - (pc.end - pc.start)
			}
		}
		return q
	}
	for id, k := range cs.byID {
		if k.pass == cs.pass {
			continue // rendered now, and placed above
		}
		if inAny(k, top) {
			delete(cs.byID, id)
			terminateComponent(k, ErrComponentRemoved)
			continue
		}
		if k.start >= 0 {
			k.start, k.end = moved(k.start), moved(k.end)
		}
	}
	cs.html = html
	return html, same, true, nil
}

// inAny reports whether m was rendered inside one of ms.
func inAny(m *mounted, ms []*mounted) bool {
	for p := m.parent; p != nil; p = p.parent {
		if slices.Contains(ms, p) {
			return true
		}
	}
	return false
}

// htmlBufs holds, by size class, the buffers of renders spliced from
// components alone that nothing holds any more, for the next such render
// of any view: a page's worth of fresh memory per event costs more than
// copying the page into it.
var htmlBufs [40]sync.Pool // of *[]byte; class c holds caps in [2^(c-1), 2^c)

// getHTML returns an empty buffer of capacity n at least.
func getHTML(n int) []byte {
	if c := bits.Len(uint(n)); c < len(htmlBufs) {
		if b, ok := htmlBufs[c].Get().(*[]byte); ok && cap(*b) >= n {
			return (*b)[:0]
		}
	}
	return make([]byte, 0, n)
}

// freeHTML hands back a buffer of getHTML that nothing holds any more.
func freeHTML(b []byte) {
	if c := bits.Len(uint(cap(b))); c < len(htmlBufs) {
		htmlBufs[c].Put(&b)
	}
}

// sameSlice reports whether a and b are the same bytes in memory.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}
