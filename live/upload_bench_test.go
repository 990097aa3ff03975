package live_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// The upload benchmarks send one file over loopback, client and server in
// this process: over the live socket's upload channel (livetest's client,
// a chunk per ack, as the browser sends them), and as a plain HTTP POST
// that the handler copies to a temporary file, the baseline. Besides
// MB/s they report the process's CPU time per upload (client and server
// together) and how far the live heap grew above what it held before (the
// file itself, in the client), sampled every millisecond.
//
//	go test -run XXX -bench BenchmarkUpload -benchtime 3x ./live/

const benchUploadSize = 200 << 20

func BenchmarkUpload(b *testing.B) {
	content := bytes.Repeat([]byte("templive"), benchUploadSize/8)
	for _, chunk := range []int{64 << 10, 256 << 10, 512 << 10} {
		b.Run("channel/chunk="+strconv.Itoa(chunk>>10)+"KiB", func(b *testing.B) {
			srv, _ := newServer(b, live.Options{}, func() live.View { return &photos{dir: b.TempDir()} })
			c := livetest.NewClient(b, srv, nil)
			measureUpload(b, func() {
				v := c.Live("/counter?max=" + strconv.Itoa(benchUploadSize) + "&chunk=" + strconv.Itoa(chunk))
				in := v.FileInput("photos", livetest.File{Name: "big.png", Content: content})
				in.Upload("big.png")
				v.Close() // the view leaves: its bytes are removed
			})
		})
	}
	b.Run("http-post", func(b *testing.B) {
		srv, _ := newServer(b, live.Options{}, nil)
		mux := http.NewServeMux()
		mux.Handle("/", srv)
		mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
			f, err := os.CreateTemp("", "templive-bench-*")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			defer os.Remove(f.Name())
			defer f.Close()
			if _, err := io.Copy(f, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		})
		c := livetest.NewClient(b, srv, mux)
		measureUpload(b, func() {
			resp, err := http.Post(c.URL("/upload"), "application/octet-stream", bytes.NewReader(content))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatal(resp.Status)
			}
		})
	})
}

// BenchmarkUploadChunk measures one chunk's round trip (frame, decode,
// write, ack) with chunks so small that the per-chunk cost dominates.
func BenchmarkUploadChunk(b *testing.B) {
	const chunk = 1 << 10
	srv, _ := newServer(b, live.Options{EventsPerSecond: -1}, func() live.View { return &photos{dir: b.TempDir()} })
	v := livetest.NewClient(b, srv, nil).Live("/counter?max=" + strconv.Itoa(1<<30) + "&chunk=" + strconv.Itoa(chunk))
	content := make([]byte, chunk*b.N)
	in := v.FileInput("photos", livetest.File{Name: "big.png", Content: content})
	cpu := cpuTime()
	b.ResetTimer()
	in.Upload("big.png")
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/chunk")
}

// measureUpload runs upload b.N times and reports its throughput, CPU
// time and peak heap growth.
func measureUpload(b *testing.B, upload func()) {
	b.SetBytes(benchUploadSize)
	upload() // warm up: connections, buffers
	runtime.GC()
	base := liveHeap()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				peak = max(peak, liveHeap())
			}
		}
	})
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		upload()
	}
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(max(peak, base)-base)/(1<<20), "peak-heap-MB")
}

// liveHeap returns the bytes of the heap the last GC found live: sampled
// through a run, its peak is what the run held at once, whatever garbage
// it made between two GCs.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
