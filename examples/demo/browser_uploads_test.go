package main

import (
	"strconv"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

// dropImagesJS drops n generated files on the element sel, as the user
// drops files from the desktop: real PNGs drawn on a canvas, each its own
// colour, and then one text file. It resolves once the drop is fired.
const dropImagesJS = `(async (sel, n) => {
  const dt = new DataTransfer()
  const canvas = document.createElement("canvas")
  canvas.width = canvas.height = 64
  const g = canvas.getContext("2d")
  for (let i = 0; i < n; i++) {
    g.fillStyle = "hsl(" + (i * 37 % 360) + ",70%,50%)"
    g.fillRect(0, 0, 64, 64)
    g.fillText(String(i), 8, 32)
    const blob = await new Promise(r => canvas.toBlob(r, "image/png"))
    dt.items.add(new File([blob], "photo-" + i + ".png", {type: "image/png"}))
  }
  dt.items.add(new File(["not an image"], "notes.txt", {type: "text/plain"}))
  document.querySelector(sel).dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}))
  return true
})`

func TestBrowserFeedPhotoPreviewProgressAndPost(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	ada, bob := b.NewTab(t), b.NewTab(t)
	signIn(ada, base, "ada")
	ada.Navigate(base + "/feed")
	connected(ada)
	signIn(bob, base, "bob")
	bob.Navigate(base + "/feed")
	connected(bob)

	// One image dropped onto the post form: the form is its drop target.
	var ok bool
	ada.Eval(`(async () => {
  const canvas = document.createElement("canvas"); canvas.width = 300; canvas.height = 200
  const g = canvas.getContext("2d"); g.fillStyle = "teal"; g.fillRect(0, 0, 300, 200)
  const blob = await new Promise(r => canvas.toBlob(r, "image/png"))
  const input = document.querySelector("#photo-input"), dt = new DataTransfer()
  dt.items.add(new File([blob], "teal.png", {type: "image/png"}))
  input.files = dt.files
  input.dispatchEvent(new Event("change", {bubbles: true}))
  return true
})()`, &ok)
	ada.Wait(`(i => i && i.src.startsWith("blob:"))(document.querySelector(".photo-picker img.preview"))`)
	ada.Wait(`(p => p && p.value == 100)(document.querySelector(".photo-picker progress"))`)
	ada.Type("#new-post-body", "teal, 300 by 200")
	ada.Click(`#new-post button[type="submit"]`)
	// Bob's tab shows the post with the photo, which loads as an image.
	bob.WaitText("#posts .body", "teal, 300 by 200")
	bob.Wait(`(i => i && i.complete && i.naturalWidth == 300)(document.querySelector("#posts img.photo"))`)
	ada.Wait(`document.querySelector(".photo-picker .upload-entry") == null`)
}

func TestBrowserPhotosPageUploadsHundredsWithPreviewsAndCancel(t *testing.T) {
	t.Parallel()
	const n = 150
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	signIn(tab, base, "ada")
	tab.Navigate(base + "/photos")
	connected(tab)
	var ok bool
	tab.Eval(dropImagesJS+`("#photos-form", `+strconv.Itoa(n)+`)`, &ok)
	// Each file shows at once, with its preview, and the text file its
	// problem; then every image completes.
	tab.Wait(`document.querySelectorAll("#photos-entries > li").length == ` + strconv.Itoa(n+1))
	tab.WaitText("#photos-summary .rejected", "1")
	tab.Wait(`[...document.querySelectorAll("#photos-entries img.preview")].every(i => i.src.startsWith("blob:"))`)
	tab.WaitText("#photos-summary .done", strconv.Itoa(n))
	tab.Wait(`[...document.querySelectorAll("#photos-entries progress")].every((p, i, all) => p.value == 100 || i == all.length - 1)`)
	// Cancel one, and the text file; save the rest.
	tab.Click("#photos-0 .cancel")
	tab.Click("#photos-" + strconv.Itoa(n) + " .cancel")
	tab.WaitText("#photos-summary .done", strconv.Itoa(n-1))
	tab.WaitText("#photos-summary .rejected", "0")
	tab.Click("#photos-save")
	tab.WaitText("#photos-summary .saved", strconv.Itoa(n-1))
	// A saved photo loads as an image (the gallery's are lazy: scroll to one).
	tab.Eval(`document.querySelector("#photos-saved img").scrollIntoView(), true`, &ok)
	tab.Wait(`(i => i.complete && i.naturalWidth == 64)(document.querySelector("#photos-saved img"))`)
}
