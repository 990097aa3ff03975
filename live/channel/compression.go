package channel

import (
	"compress/flate"
	"fmt"
	"net/http"
	"strings"
)

// DefaultCompressMinSize is the default of [Compression.MinSize].
const DefaultCompressMinSize = 1024

// Compression configures permessage-deflate (RFC 7692), the WebSocket
// extension that deflates each frame. Browsers offer it on every
// WebSocket, so whether it is used is the server's choice alone. Each
// frame is deflated on its own, without the previous frames as a
// dictionary ("no context takeover"), so a connection keeps no
// compressor between frames; the price is that small frames, the usual
// update, shrink little. The zero value leaves compression off.
type Compression struct {
	// Enabled accepts a client's offer of permessage-deflate. Frames the
	// client deflates are then inflated, within [Limits.ReadLimit]
	// counted after inflating, and the server deflates the frames it
	// sends of at least MinSize bytes.
	Enabled bool
	// Level is the deflate level, from 1 (fastest, the default) to 9
	// (smallest). NewSocket panics on any other non-zero value.
	Level int
	// MinSize is the size from which the server deflates a frame it sends
	// (default [DefaultCompressMinSize]): smaller ones, the common
	// update, are sent as they are, since deflating them saves a few
	// bytes for as much CPU as a large frame costs per byte. Negative
	// deflates every frame.
	MinSize int
}

// offersDeflate reports whether r offers permessage-deflate, which the
// upgrader then accepts when compression is enabled.
func offersDeflate(r *http.Request) bool {
	for _, v := range r.Header.Values("Sec-WebSocket-Extensions") {
		if strings.Contains(v, "permessage-deflate") {
			return true
		}
	}
	return false
}

// compression is a Compression with its defaults filled in.
type compression struct {
	enabled bool
	level   int
	minSize int // frames of at least minSize bytes are deflated
}

// resolve fills in c's defaults; it panics on a bad level.
func (c Compression) resolve() compression {
	if c.Level != 0 && (c.Level < flate.BestSpeed || c.Level > flate.BestCompression) {
		panic(fmt.Sprintf("channel: Compression.Level %d is not between 1 and 9", c.Level))
	}
	r := compression{enabled: c.Enabled, level: max(c.Level, flate.BestSpeed), minSize: c.MinSize}
	switch {
	case c.MinSize == 0:
		r.minSize = DefaultCompressMinSize
	case c.MinSize < 0:
		r.minSize = 0
	}
	return r
}
