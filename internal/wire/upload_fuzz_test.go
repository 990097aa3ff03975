package wire_test

import (
	"bytes"
	"testing"

	"github.com/templive/templive/internal/wire"
)

// FuzzDecodeUploadAllow feeds the decoder of allow_upload whatever a
// client could announce: what it accepts is within the wire's bounds.
func FuzzDecodeUploadAllow(f *testing.F) {
	addGoldenSeeds(f, "upload_allow")
	f.Add([]byte(`{"name":"a","entries":[{"ref":"0","size":9223372036854775807}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		a, ok := fuzzDecoder(t, wire.DecodeUploadAllow, wire.UploadAllow.AppendJSON, in)
		if !ok {
			return
		}
		if a.Name == "" || len(a.Entries) > wire.MaxUploadAllowEntries {
			t.Fatalf("accepted %+v", a)
		}
		for _, e := range a.Entries {
			if e.Ref == "" || e.Size < 0 || len(e.Ref) > wire.MaxUploadText || len(e.Name) > wire.MaxUploadText || len(e.Type) > wire.MaxUploadText {
				t.Fatalf("accepted entry %+v", e)
			}
		}
	})
}

// FuzzDecodeUploadJoin feeds the decoder of upload joins whatever a
// client could send.
func FuzzDecodeUploadJoin(f *testing.F) {
	addGoldenSeeds(f, "upload_join")
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzDecoder(t, wire.DecodeUploadJoin, wire.UploadJoin.AppendJSON, in)
	})
}

// FuzzDecodeUploadProgress feeds the decoder of upload_progress whatever a
// client could send.
func FuzzDecodeUploadProgress(f *testing.F) {
	addGoldenSeeds(f, "upload_progress")
	f.Fuzz(func(t *testing.T, in []byte) {
		p, ok := fuzzDecoder(t, wire.DecodeUploadProgress, wire.UploadProgress.AppendJSON, in)
		if ok && (p.Progress < 0 || p.Progress > 100) {
			t.Fatalf("accepted progress %d", p.Progress)
		}
	})
}

// FuzzDecodeChunk feeds the decoder of chunks any binary payload: a chunk
// it accepts has an offset in range and survives Append.
func FuzzDecodeChunk(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(wire.Chunk{Offset: 65536, Data: []byte("hello")}.Append(nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := wire.DecodeChunk(in)
		if err != nil {
			return
		}
		if c.Offset < 0 {
			t.Fatalf("negative offset %d", c.Offset)
		}
		if !bytes.Equal(c.Append(nil), in) {
			t.Fatalf("chunk %x does not round trip", in)
		}
	})
}
