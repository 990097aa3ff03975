package live_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// photos is a view with an upload of up to two images of 256 KiB, in
// chunks of 16 KiB, that moves what is submitted into dir.
type photos struct {
	dir   string
	up    *live.Upload
	saved []string
	temps []string // the temporary paths consumed, to check they are gone
	// hidden, set by ?late, renders neither the input nor the drop target
	// until a click on #show: they arrive with a patch, not the page.
	hidden bool
}

func (p *photos) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	opts := live.UploadOptions{
		Accept:      []string{".png", "image/jpeg"},
		MaxEntries:  2,
		MaxFileSize: 256 << 10,
		ChunkSize:   16 << 10,
		AutoUpload:  true,
	}
	// The browser tests of large files raise the bounds.
	fmt.Sscan(params.Get("max"), &opts.MaxFileSize)
	fmt.Sscan(params.Get("chunk"), &opts.ChunkSize)
	p.up = s.AllowUpload("photos", opts)
	p.hidden = params.Has("late")
	return nil
}

func (p *photos) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "show" {
		p.hidden = false
	}
	if ev.Name != "save" {
		return nil
	}
	return s.ConsumeUploads("photos", func(f live.UploadedFile) error {
		p.temps = append(p.temps, f.Path)
		p.saved = append(p.saved, f.Name)
		return os.Rename(f.Path, filepath.Join(p.dir, filepath.Base(f.Name)))
	})
}

func (p *photos) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if p.hidden {
			fmt.Fprintf(w, `<button type="button" id="show" live-click="show">attach</button><form id="f" live-submit="save">`)
		} else {
			fmt.Fprintf(w, `<form id="f" live-submit="save"><input type="file" id="pick" live-upload="photos" accept="%s" multiple>`, p.up.Accept())
			fmt.Fprintf(w, `<div id="drop" live-drop-target="photos">drop here</div>`)
		}
		fmt.Fprintf(w, `<p id="errors">%s</p><ul id="entries">`, strings.Join(p.up.Errors, " "))
		for _, e := range p.up.Entries {
			fmt.Fprintf(w, `<li id="entry-%s"><img live-img-preview="%[1]s"><span class="name">%s</span> <span class="progress">%d</span> <span class="done">%v</span> <span class="errors">%s</span>`,
				e.Ref, templ.EscapeString(e.Name), e.Progress, e.Done, strings.Join(e.Errors, " "))
			fmt.Fprintf(w, `<button type="button" id="cancel-%s" live-click="%s" live-value-upload="photos" live-value-ref="%s">cancel</button></li>`, e.Ref, live.CancelUploadEvent, e.Ref)
		}
		fmt.Fprintf(w, `</ul><button id="save" type="submit">save</button><p id="saved">%s</p></form>`, strings.Join(p.saved, " "))
		return nil
	})
}

// newPhotos returns a server whose /counter is the photos view, saving
// into a new directory, and that directory.
func newPhotos(t *testing.T, opts live.Options) (*live.Server, string) {
	t.Helper()
	dir := t.TempDir()
	srv, _ := newServer(t, opts, func() live.View { return &photos{dir: dir} })
	return srv, dir
}

// image returns n bytes of a fake image.
func image(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// waitUploads waits until the server holds n upload entries.
func waitUploads(t *testing.T, srv *live.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Uploads != n {
		if time.Now().After(deadline) {
			t.Fatalf("the server holds %d uploads, want %d", srv.Stats().Uploads, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUploadShowsProgressThenSubmitConsumesTheFile(t *testing.T) {
	t.Parallel()
	srv, dir := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	content := image(200 << 10)
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Type: "image/png", Content: content})
	if errs := in.Errors("cat.png"); len(errs) > 0 {
		t.Fatalf("cat.png refused: %v", errs)
	}
	if got := v.Text("#entry-0 .progress"); got != "0" {
		t.Errorf("progress before any byte = %s, want 0", got)
	}
	in.UploadTo("cat.png", 50)
	// Progress moves in steps of 5 %; the chunk that crossed half is in.
	if got := v.Text("#entry-0 .progress"); got != "55" {
		t.Errorf("progress past half = %s, want 55", got)
	}
	in.Upload("cat.png")
	if got, done := v.Text("#entry-0 .progress"), v.Text("#entry-0 .done"); got != "100" || done != "true" {
		t.Errorf("progress at the end = %s, done %s", got, done)
	}
	v.Submit("#f", nil)
	if got := v.Text("#saved"); got != "cat.png" {
		t.Fatalf("saved %q", got)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "cat.png"))
	if err != nil || !bytes.Equal(saved, content) {
		t.Fatalf("the saved file differs (%d bytes, err %v)", len(saved), err)
	}
	if v.Has("#entry-0") {
		t.Error("a consumed entry is still shown")
	}
	waitUploads(t, srv, 0)
}

func TestUploadTemporaryFileIsRemovedAfterConsume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var view *photos
	srv, _ := newServer(t, live.Options{}, func() live.View {
		view = &photos{dir: dir}
		return view
	})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(1000)}, livetest.File{Name: "b.jpg", Content: image(0)})
	in.Upload("a.png")
	in.Upload("b.jpg")
	// The view moves a.png, and fails on nothing; both temporaries go.
	v.Submit("#f", nil)
	if got := v.Text("#saved"); got != "a.png b.jpg" {
		t.Fatalf("saved %q", got)
	}
	for _, p := range view.temps {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("temporary %s still exists: %v", p, err)
		}
	}
	waitUploads(t, srv, 0)
}

func TestUploadRulesAreJudgedBeforeAnyByte(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files []livetest.File
		want  map[string]string // file → errors
		upErr string
	}{
		{
			name:  "an extension not accepted is refused whatever type the client claims",
			files: []livetest.File{{Name: "evil.exe", Type: "image/png", Content: image(10)}},
			want:  map[string]string{"evil.exe": "not_accepted"},
		},
		{
			name:  "an extension whose type is accepted passes",
			files: []livetest.File{{Name: "a.JPEG", Type: "application/octet-stream", Content: image(10)}},
			want:  map[string]string{"a.JPEG": ""},
		},
		{
			name:  "a file over the maximum size is too large",
			files: []livetest.File{{Name: "big.png", Content: image(256<<10 + 1)}},
			want:  map[string]string{"big.png": "too_large"},
		},
		{
			name:  "files past the maximum entries are too many",
			files: []livetest.File{{Name: "1.png"}, {Name: "2.png"}, {Name: "3.png"}},
			want:  map[string]string{"1.png": "", "2.png": "", "3.png": "too_many_files"},
			upErr: "too_many_files",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newPhotos(t, live.Options{})
			v := livetest.NewClient(t, srv, nil).Live("/counter")
			in := v.FileInput("photos", tc.files...)
			for name, want := range tc.want {
				if got := strings.Join(in.Errors(name), " "); got != want {
					t.Errorf("%s: errors %q, want %q", name, got, want)
				}
			}
			if got := v.Text("#errors"); got != tc.upErr {
				t.Errorf("upload errors %q, want %q", got, tc.upErr)
			}
			accepted := 0
			for _, want := range tc.want {
				if want == "" {
					accepted++
				}
			}
			if got := srv.Stats().Uploads; got != accepted {
				t.Errorf("the server holds %d entries, want %d", got, accepted)
			}
		})
	}
}

func TestUploadCancelStopsTheClientAndRemovesTheBytes(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(100 << 10)})
	in.UploadTo("a.png", 40)
	v.Click("#cancel-0")
	if v.Has("#entry-0") {
		t.Fatal("the cancelled entry is still shown")
	}
	waitUploads(t, srv, 0)
}

func TestUploadResumesAfterTheConnectionDrops(t *testing.T) {
	t.Parallel()
	srv, dir := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	content := image(250 << 10)
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Content: content})
	in.UploadTo("cat.png", 50)
	held := in.Offset("cat.png")
	if held == 0 {
		t.Fatal("nothing acknowledged")
	}
	v.Reconnect()
	in.Resume()
	if got := in.Offset("cat.png"); got != held {
		t.Fatalf("resumed at %d, want %d", got, held)
	}
	in.Upload("cat.png")
	v.Submit("#f", nil)
	saved, err := os.ReadFile(filepath.Join(dir, "cat.png"))
	if err != nil || !bytes.Equal(saved, content) {
		t.Fatalf("the resumed file differs (%d bytes, err %v)", len(saved), err)
	}
}

func TestUploadCompletedBeforeTheConnectionDropsIsShownAfterTheRejoin(t *testing.T) {
	t.Parallel()
	srv, dir := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	content := image(100 << 10)
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Content: content})
	in.Upload("cat.png")
	v.Reconnect() // the view is mounted again; the page announces nothing
	if got, done := v.Text("#entry-0 .progress"), v.Text("#entry-0 .done"); got != "100" || done != "true" {
		t.Fatalf("after the rejoin the entry shows progress %q, done %q", got, done)
	}
	v.Submit("#f", nil)
	saved, err := os.ReadFile(filepath.Join(dir, "cat.png"))
	if err != nil || !bytes.Equal(saved, content) {
		t.Fatalf("the file saved after the rejoin differs (%d bytes, err %v)", len(saved), err)
	}
	waitUploads(t, srv, 0)
}

func TestUploadInterruptedShowsItsProgressAfterTheRejoin(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Content: image(200 << 10)})
	in.UploadTo("cat.png", 50)
	want := v.Text("#entry-0 .progress")
	v.Reconnect()
	if got := v.Text("#entry-0 .progress"); got != want {
		t.Fatalf("progress after the rejoin = %q, want %q as before the drop", got, want)
	}
	// Announcing the file again resumes it; it does not add a second entry.
	in.Resume()
	in.Upload("cat.png")
	if v.Has("#entry-1") {
		t.Fatal("the resumed file shows twice")
	}
	if got := v.Text("#entry-0 .done"); got != "true" {
		t.Fatalf("done = %q after the resumed upload", got)
	}
}

func TestUploadOfOnePageIsNotGivenToAnother(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Content: image(100 << 10)})
	in.UploadTo("cat.png", 50)
	v.Reconnect()
	// Another page of the same browser: its own view, with no entries.
	if other := c.Live("/counter"); other.Has("#entry-0") {
		t.Fatal("another page was given the entry of the first")
	}
}

func TestUploadNotResumedIsRemovedAfterResumeFor(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{UploadResumeFor: 50 * time.Millisecond})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(100 << 10)})
	in.UploadTo("a.png", 30)
	v.Close() // the connection ends, and the page never comes back
	waitUploads(t, srv, 0)
}

func TestUploadBytesAreRemovedWhenTheServerShutsDown(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(100 << 10)}, livetest.File{Name: "b.png", Content: image(10)})
	in.UploadTo("a.png", 30)
	in.Upload("b.png")
	if got := srv.Stats().Uploads; got != 2 {
		t.Fatalf("the server holds %d uploads, want 2", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().Uploads; got != 0 {
		t.Fatalf("the server holds %d uploads after Shutdown", got)
	}
}

// Two tabs restored from one session join one view id on two
// connections: the second takes the entries over, and the first may no
// longer consume (or cancel) the bytes the second now shows.
func TestUploadTakenOverByASecondTabIsConsumedOnce(t *testing.T) {
	t.Parallel()
	for _, secondFirst := range []bool{false, true} {
		srv, dir := newPhotos(t, live.Options{})
		c := livetest.NewClient(t, srv, nil)
		p := c.Get("/counter")
		a := c.Join(p)
		content := image(100 << 10)
		in := a.FileInput("photos", livetest.File{Name: "cat.png", Content: content})
		in.Upload("cat.png")
		b := c.Join(p) // the same view id, on a second connection
		if !b.Has("#entry-0") {
			t.Fatalf("the second tab does not show the entry:\n%s", b.HTML())
		}
		tabs := []*livetest.View{a, b}
		if secondFirst {
			tabs = []*livetest.View{b, a}
		}
		for i, v := range tabs {
			if err := v.TryEvent("submit", "save", nil); err != nil {
				t.Fatalf("second first %v: submit %d: %v", secondFirst, i, err)
			}
		}
		saved, err := os.ReadFile(filepath.Join(dir, "cat.png"))
		if err != nil || !bytes.Equal(saved, content) {
			t.Fatalf("the saved file differs (%d bytes, err %v)", len(saved), err)
		}
		waitUploads(t, srv, 0)
	}
}
