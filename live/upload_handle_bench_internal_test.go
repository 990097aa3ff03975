package live

import (
	"encoding/binary"
	"os"
	"strconv"
	"testing"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
)

// BenchmarkUploadChannelHandleIn measures the server's own work on one
// chunk, without the network: decode, checks, the write to the temporary
// file, the ack.
//
//	go test -run XXX -bench BenchmarkUploadChannelHandleIn ./live/
func BenchmarkUploadChannelHandleIn(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 256 << 10} {
		b.Run("chunk="+strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			f, err := os.CreateTemp(b.TempDir(), "chunks-*")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			in := &inflight{size: 1 << 62, chunkSize: size, file: f, path: f.Name()}
			uc := &uploadChannel{in: in}
			payload := make([]byte, 8+size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				binary.BigEndian.PutUint64(payload, uint64(in.received))
				r, err := uc.HandleIn(b.Context(), channel.Message{Name: wire.ClientChunk, Binary: payload})
				if err != nil || r == channel.NoReply {
					b.Fatal(r, err)
				}
			}
		})
	}
}
