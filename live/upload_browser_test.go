package live_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// chooseJS chooses a generated file for the input or drop target sel, as
// the user does: through a DataTransfer, then the event the browser fires.
const chooseJS = `((sel, name, type, size, drop) => {
  const dt = new DataTransfer()
  const bytes = new Uint8Array(size); for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 255
  dt.items.add(new File([bytes], name, {type}))
  const el = document.querySelector(sel)
  if (drop) { el.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true})); return true }
  el.files = dt.files
  el.dispatchEvent(new Event("change", {bubbles: true}))
  return true
})`

// The Chromium tests of this package share one browser, whose cookies are
// per host, not per port: they run one at a time, so that each page keeps
// its own CSRF cookie.

func TestUploadInChromium(t *testing.T) {
	cases := []struct {
		name       string
		sel        string
		file       string
		size       int
		drop       bool
		wantErrors string
	}{
		{name: "a chosen file uploads with progress and completes", sel: "#pick", file: "cat.png", size: 200 << 10},
		{name: "a dropped file uploads", sel: "#drop", file: "dog.png", size: 50 << 10, drop: true},
		{name: "a rejected type shows its error before any byte", sel: "#pick", file: "evil.exe", size: 10, wantErrors: "not_accepted"},
		{name: "an oversized file shows its error before any byte", sel: "#pick", file: "big.png", size: 256<<10 + 1, wantErrors: "too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, dir := newPhotos(t, live.Options{})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			tab := browsertest.New(t).NewTab(t)
			tab.Navigate(ts.URL + "/counter")
			tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
			var ok bool
			tab.Eval(chooseJS+`(`+jsStr(tc.sel)+`,`+jsStr(tc.file)+`,"image/png",`+itoa(tc.size)+`,`+btoa(tc.drop)+`)`, &ok)
			if tc.wantErrors != "" {
				tab.WaitText("#entry-0 .errors", tc.wantErrors)
				if got := srv.Stats().Uploads; got != 0 {
					t.Fatalf("the server holds %d entries for a rejected file", got)
				}
				return
			}
			tab.WaitText("#entry-0 .done", "true")
			tab.WaitText("#entry-0 .progress", "100")
			tab.Wait(`document.querySelector("#entry-0 img").src.startsWith("blob:")`)
			tab.Click("#save")
			tab.WaitText("#saved", tc.file)
			got, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil || len(got) != tc.size {
				t.Fatalf("saved %d bytes (err %v), want %d", len(got), err, tc.size)
			}
		})
	}
}

func TestUploadInChromiumWhenTheInputArrivesWithAPatch(t *testing.T) {
	for _, drop := range []bool{false, true} {
		t.Run("drop="+btoa(drop), func(t *testing.T) {
			srv, dir := newPhotos(t, live.Options{})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			tab := browsertest.New(t).NewTab(t)
			// The page has no file input when it loads: the client loads
			// its upload code when a render brings one.
			tab.Navigate(ts.URL + "/counter?late")
			tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
			tab.Click("#show")
			tab.Wait(`document.querySelector("#pick") != null`)
			sel := "#pick"
			if drop {
				sel = "#drop"
				// A browser drops files only where dragover was prevented,
				// which the upload code does once it has loaded.
				tab.Wait(`(() => { const e = new DragEvent("dragover", {bubbles: true, cancelable: true}); document.querySelector("#drop").dispatchEvent(e); return e.defaultPrevented })()`)
			}
			var ok bool
			tab.Eval(chooseJS+`(`+jsStr(sel)+`,"late.png","image/png",1000,`+btoa(drop)+`)`, &ok)
			tab.WaitText("#entry-0 .done", "true")
			tab.Click("#save")
			tab.WaitText("#saved", "late.png")
			if got, err := os.ReadFile(filepath.Join(dir, "late.png")); err != nil || len(got) != 1000 {
				t.Fatalf("saved %d bytes (err %v), want 1000", len(got), err)
			}
		})
	}
}

func jsStr(s string) string { return strconv.Quote(s) }
func itoa(n int) string     { return strconv.Itoa(n) }
func btoa(b bool) string    { return strconv.FormatBool(b) }

// countSentJS counts the bytes of the binary frames the page sends.
const countSentJS = `window.sentBytes = 0
const send = WebSocket.prototype.send
WebSocket.prototype.send = function (d) {
  if (d instanceof ArrayBuffer) sentBytes += d.byteLength
  if (window.cutAt && sentBytes >= window.cutAt && !window.cut) { window.cut = true; setTimeout(() => templive.liveSocket.socket.conn.close()) }
  return send.call(this, d)
}
true`

func TestUploadInChromiumResumesAfterTheConnectionDrops(t *testing.T) {
	const size = 50 << 20
	srv, dir := newPhotos(t, live.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Timeout = 6 * time.Minute // 50 MB under -race on a loaded machine: 2 minutes were seen to run out
	tab.Navigate(ts.URL + "/counter?max=" + itoa(size) + "&chunk=" + itoa(256<<10))
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ok bool
	tab.Eval(countSentJS, &ok)
	// The network fails once half the file is sent: the socket closes
	// without the client asking, in the middle of the upload.
	tab.Eval(`window.cutAt = `+itoa(size/2)+`, true`, &ok)
	tab.Eval(chooseJS+`("#pick","big.png","image/png",`+itoa(size)+`,false)`, &ok)
	tab.Wait(`window.cut === true`)
	tab.WaitText("#entry-0 .done", "true")
	var sent float64
	tab.Eval(`sentBytes`, &sent)
	if sent > 1.3*size {
		t.Fatalf("sent %.0f bytes for a file of %d: the upload restarted instead of resuming", sent, size)
	}
	tab.Click("#save")
	tab.WaitText("#saved", "big.png")
	fi, err := os.Stat(filepath.Join(dir, "big.png"))
	if err != nil || fi.Size() != size {
		t.Fatalf("saved %v (err %v), want %d bytes", fi, err, size)
	}
}

func TestUploadInChromiumCompletedBeforeTheConnectionDropsIsKept(t *testing.T) {
	const size = 100 << 10
	srv, dir := newPhotos(t, live.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ok bool
	tab.Eval(chooseJS+`("#pick","cat.png","image/png",`+itoa(size)+`,false)`, &ok)
	tab.WaitText("#entry-0 .done", "true")
	tab.Eval(`document.querySelector("#entry-0").dataset.before = "1", true`, &ok)
	tab.Eval(`templive.liveSocket.socket.conn.close(), true`, &ok)
	// The view is mounted again on the new connection and shows the entry.
	tab.Wait(`document.querySelector("#entry-0") != null && !document.querySelector("#entry-0").dataset.before && document.querySelector("[data-live-root].live-connected") != null`)
	tab.WaitText("#entry-0 .done", "true")
	tab.Click("#save")
	tab.WaitText("#saved", "cat.png")
	if fi, err := os.Stat(filepath.Join(dir, "cat.png")); err != nil || fi.Size() != size {
		t.Fatalf("saved %v (err %v), want %d bytes", fi, err, size)
	}
}

func TestUploadInChromiumCancelStopsTheUpload(t *testing.T) {
	const size = 5 << 20
	srv, _ := newPhotos(t, live.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter?max=" + itoa(size) + "&chunk=" + itoa(4<<10))
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ok bool
	tab.Eval(countSentJS, &ok)
	tab.Eval(chooseJS+`("#pick","a.png","image/png",`+itoa(size)+`,false)`, &ok)
	tab.Wait(`+(document.querySelector("#entry-0 .progress")||{}).textContent >= 5`)
	tab.Click("#cancel-0")
	tab.Wait(`document.querySelector("#entry-0") == null`)
	waitUploads(t, srv, 0)
	var before, after float64
	tab.Eval(`sentBytes`, &before)
	tab.Eval(`new Promise(r => setTimeout(() => r(sentBytes), 500))`, &after)
	if after > before+float64(8<<10) || after >= size {
		t.Fatalf("the client kept sending after the cancel: %.0f then %.0f bytes", before, after)
	}
}
