package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/templive/templive/live/livetest"
)

// png returns n bytes that start as a PNG does.
func png(n int) []byte {
	b := bytes.Repeat([]byte{0x42}, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

func TestFeedPhotoReachesEveryTabAndIsServedAsAnImage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")

	photo := png(300 << 10)
	in := ada.FileInput("photo", livetest.File{Name: "Cat Photo.PNG", Type: "image/png", Content: photo})
	in.UploadTo("Cat Photo.PNG", 50)
	if got, _ := ada.Attr("#photo-0 progress", "value"); got == "0" || got == "100" {
		t.Errorf("progress half way = %s", got)
	}
	// Posting before the photo is complete waits for it.
	ada.Submit("#new-post", url.Values{"body": {"my cat"}})
	if !strings.Contains(ada.Text("#post-error"), "Wait for the photo") {
		t.Fatalf("posted with the photo half uploaded: %q", ada.HTML())
	}
	in.Upload("Cat Photo.PNG")
	ada.Submit("#new-post", url.Values{"body": {"my cat"}})
	bob.Sync("")
	src, ok := bob.Attr("#posts img.photo", "src")
	if !ok || !mediaName.MatchString(strings.TrimPrefix(src, "/media/")) {
		t.Fatalf("bob sees the post without its photo: %q", bob.HTML())
	}
	if ada.Has("#photo-0") {
		t.Error("the posted photo is still in the form")
	}

	ts := httptest.NewServer(a.mux)
	t.Cleanup(ts.Close)
	resp, err := http.Get(ts.URL + src)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, photo) {
		t.Fatalf("GET %s: %s, %d bytes", src, resp.Status, len(body))
	}
	for h, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	for _, bad := range []string{"/media/..%2fdemo.db", "/media/x.svg", "/media/" + strings.Repeat("a", 26) + ".png"} {
		resp, err := http.Get(ts.URL + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", bad, resp.Status)
		}
	}
}

func TestFeedPhotoRulesAreShownBeforeAnyByte(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	cases := []struct {
		file livetest.File
		want string
	}{
		{livetest.File{Name: "drawing.svg", Content: []byte("<svg/>")}, "Only PNG, JPEG, GIF and WebP images."},
		{livetest.File{Name: "huge.jpg", Content: make([]byte, maxPhotoSize+1)}, "Over 5 MB."},
	}
	for _, c := range cases {
		ada.FileInput("photo", c.file)
		if got := ada.Text(".photo-picker .error"); got != c.want {
			t.Errorf("%s: problem %q, want %q", c.file.Name, got, c.want)
		}
		if got := a.live.Stats().Uploads; got != 0 {
			t.Errorf("%s: the server holds %d uploads", c.file.Name, got)
		}
	}
	// A rejected photo blocks the post until it is removed.
	ada.Submit("#new-post", url.Values{"body": {"hi"}})
	if !ada.Has("#post-error") {
		t.Fatal("posted with a rejected photo")
	}
	ada.Click(".photo-picker .remove")
	ada.Submit("#new-post", url.Values{"body": {"hi"}})
	if got := ada.Texts("#posts .body"); len(got) != 1 || got[0] != "hi" || ada.Has("#posts img.photo") {
		t.Fatalf("posts %q", got)
	}
}

func TestPhotosPageUploadsManySavesAndCancels(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	v := signedIn(t, a, "ada").Live("/photos")
	var files []livetest.File
	for i := range 119 {
		files = append(files, livetest.File{Name: fmt.Sprintf("p%03d.png", i), Type: "image/png", Content: png(2000 + i)})
	}
	// The last is large enough to stop half way.
	files = append(files, livetest.File{Name: "big.png", Type: "image/png", Content: png(1 << 20)})
	files = append(files, livetest.File{Name: "notes.txt", Content: []byte("x")})
	in := v.FileInput("photos", files...)
	if got := v.Count("#photos-entries > li"); got != 121 {
		t.Fatalf("%d entries shown, want 121", got)
	}
	for _, f := range files[:119] {
		in.Upload(f.Name)
	}
	in.UploadTo(files[119].Name, 50)
	if got := v.Text("#photos-summary"); got != "119 done, 1 uploading, 1 rejected; 0 saved." {
		t.Fatalf("summary %q", got)
	}
	v.Click("#photos-5 .cancel")
	v.Submit("#photos-form", nil)
	if got := v.Text("#photos-summary"); got != "0 done, 1 uploading, 1 rejected; 118 saved." {
		t.Fatalf("summary after saving %q", got)
	}
	entries, err := os.ReadDir(a.media.dir)
	if err != nil || len(entries) != 118 {
		t.Fatalf("%d files in the media directory (err %v)", len(entries), err)
	}
	if got := v.Count("#photos-saved img"); got != 118 {
		t.Fatalf("the gallery shows %d photos", got)
	}
	// Each file has its own size: each saved one is the file of that size.
	for _, e := range entries {
		saved, err := os.ReadFile(filepath.Join(a.media.dir, e.Name()))
		if err != nil || len(saved) < 2000 || len(saved) >= 2119 || !bytes.Equal(saved, files[len(saved)-2000].Content) {
			t.Fatalf("saved %s differs from the file uploaded (%d bytes, err %v)", e.Name(), len(saved), err)
		}
	}
	v.Click("#photos-cancel-all")
	if v.Count("#photos-entries > li") != 0 {
		t.Fatal("cancel all left entries")
	}
	if n := a.live.Stats().Uploads; n != 0 {
		t.Fatalf("the server still holds %d uploads", n)
	}
}
