package main

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/templive/templive/live/channel"
)

// BenchmarkBoardCursorDecode is the server's share of a cursor push: its
// payload, in a binary frame (4 bytes) or as JSON.
func BenchmarkBoardCursorDecode(b *testing.B) {
	for _, bc := range []struct {
		name string
		ev   channel.Message
	}{
		{"binary", channel.Message{Name: "cursor", Binary: []byte{0x7a, 0x02, 0x30, 0x39}}},
		{"json", channel.Message{Name: "cursor", Payload: json.RawMessage(`{"x":31234,"y":12345}`)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := decodeCursor(bc.ev); !ok {
					b.Fatal("not decoded")
				}
			}
		})
	}
}

// BenchmarkBoardCursorsEncode encodes one "cursors" push of 1 and of 49
// positions (a board of 50 all moving), and reports its bytes.
func BenchmarkBoardCursorsEncode(b *testing.B) {
	for _, n := range []int{1, 49} {
		cs := make([]boardCursor, n)
		for i := range cs {
			cs[i] = boardCursor{User: "user" + strconv.Itoa(i), X: uint16(31234 + i), Y: uint16(12345 + i)}
		}
		for _, enc := range []struct {
			name string
			fn   func([]byte, []boardCursor) []byte
		}{{"binary", encodeCursorsBinary}, {"json", encodeCursorsJSON}} {
			b.Run(enc.name+"/"+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				var buf []byte
				for b.Loop() {
					buf = enc.fn(buf[:0], cs)
				}
				b.ReportMetric(float64(len(buf)), "bytes")
			})
		}
	}
}
