package live_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// pasteJS pastes a generated image into the element sel, as the browser
// fires the event when the user pastes a copied image; with text, it
// pastes that text alone.
const pasteJS = `((sel, name, size, text) => {
  const dt = new DataTransfer()
  if (text) dt.setData("text/plain", text)
  else dt.items.add(new File([new Uint8Array(size).fill(7)], name, {type: "image/png"}))
  const ev = new ClipboardEvent("paste", {clipboardData: dt, bubbles: true, cancelable: true})
  document.querySelector(sel).dispatchEvent(ev)
  return ev.defaultPrevented
})`

func TestUploadPasteOfAnImageIntoADropTargetInChromium(t *testing.T) {
	srv, dir := newPhotos(t, live.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var taken bool
	// Text is left to the browser.
	tab.Eval(pasteJS+`("#drop","",0,"hello")`, &taken)
	if taken {
		t.Fatal("a paste of text was taken for an upload")
	}
	tab.Eval(pasteJS+`("#drop","image.png",30000,"")`, &taken)
	if !taken {
		t.Fatal("a paste of an image was left to the browser")
	}
	tab.WaitText("#entry-0 .done", "true")
	tab.Wait(`document.querySelector("#entry-0 img").src.startsWith("blob:")`)
	tab.Click("#save")
	tab.WaitText("#saved", "image.png")
	got, err := os.ReadFile(filepath.Join(dir, "image.png"))
	if err != nil || len(got) != 30000 {
		t.Fatalf("saved %d bytes (err %v)", len(got), err)
	}
}
