package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/live/s3upload"
)

// cloudPhotos is a view whose upload of up to three images goes straight
// to an S3 bucket: each entry's target is a presigned PUT of
// "photos/<name>". Saving consumes the completed entries and lists the
// keys they were stored under.
type cloudPhotos struct {
	bucket *s3upload.Bucket
	up     *live.Upload
	saved  []string
}

func (p *cloudPhotos) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	p.up = s.AllowUpload("photos", live.UploadOptions{
		Accept:      []string{".png", ".jpg"},
		MaxEntries:  3,
		MaxFileSize: 64 << 20,
		AutoUpload:  true,
		External:    p.bucket.External(func(e *live.UploadEntry) string { return "photos/" + e.Name }, 0),
	})
	return nil
}

func (p *cloudPhotos) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name != "save" {
		return nil
	}
	return s.ConsumeUploads("photos", func(f live.UploadedFile) error {
		target, ok := f.External.(live.UploadTarget)
		if !ok || f.Path != "" {
			return fmt.Errorf("entry %s is not external: %#v", f.Name, f)
		}
		u, err := url.Parse(target.URL)
		if err != nil {
			return err
		}
		p.saved = append(p.saved, strings.TrimPrefix(u.Path, "/"+p.bucket.Name+"/"))
		return nil
	})
}

func (p *cloudPhotos) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		fmt.Fprintf(w, `<form id="f" live-submit="save"><input type="file" id="pick" live-upload="photos" accept="%s" multiple><ul>`, p.up.Accept())
		for _, e := range p.up.Entries {
			fmt.Fprintf(w, `<li id="entry-%s"><span class="progress">%d</span> <span class="done">%v</span> <span class="errors">%s</span>`,
				e.Ref, e.Progress, e.Done, strings.Join(e.Errors, " "))
			fmt.Fprintf(w, `<button type="button" id="cancel-%s" live-click="%s" live-value-upload="photos" live-value-ref="%[1]s">cancel</button></li>`, e.Ref, live.CancelUploadEvent)
		}
		fmt.Fprintf(w, `</ul><button id="save" type="submit">save</button><p id="saved">%s</p></form>`, strings.Join(p.saved, " "))
		return nil
	})
}

// s3Store is an S3-compatible server (gofakes3, in memory) on loopback,
// whose PUT requests can be held after their first bytes.
type s3Store struct {
	*httptest.Server
	backend *s3mem.Backend

	mu   sync.Mutex // guards hold
	hold chan struct{}
}

// newS3Store starts an s3Store with the bucket "photos".
func newS3Store(t *testing.T) *s3Store {
	t.Helper()
	st := &s3Store{backend: s3mem.New()}
	if err := st.backend.CreateBucket("photos"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(st.backend).Server()
	st.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		hold := st.hold
		st.mu.Unlock()
		if r.Method == http.MethodPut && hold != nil {
			r.Body = &heldBody{ReadCloser: r.Body, after: 4 << 20, hold: hold}
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(st.Close)
	return st
}

// holdPuts makes the PUTs that start from now on stop reading their body
// after 4 MiB until release is called.
func (st *s3Store) holdPuts() (release func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.hold = make(chan struct{})
	return sync.OnceFunc(func() { close(st.hold) })
}

// bucket returns a Bucket named name on the store.
func (st *s3Store) bucket(name string) *s3upload.Bucket {
	return &s3upload.Bucket{Endpoint: st.URL, Region: "us-east-1", Name: name, AccessKeyID: "test", SecretAccessKey: "test-secret"}
}

// object returns the size and type of the object key of "photos".
func (st *s3Store) object(t *testing.T, key string) (int64, string) {
	t.Helper()
	obj, err := st.backend.HeadObject("photos", key)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	return obj.Size, obj.Metadata["Content-Type"]
}

// heldBody stops after its first bytes until hold is closed.
type heldBody struct {
	io.ReadCloser
	after int64
	hold  chan struct{}
}

func (b *heldBody) Read(p []byte) (int, error) {
	if b.after <= 0 {
		<-b.hold
		return b.ReadCloser.Read(p)
	}
	n, err := b.ReadCloser.Read(p[:min(int64(len(p)), b.after)])
	b.after -= int64(n)
	return n, err
}

// newCloudPhotos returns a server whose /counter is a cloudPhotos view
// uploading to bucket.
func newCloudPhotos(t *testing.T, bucket *s3upload.Bucket) *live.Server {
	t.Helper()
	srv, _ := newServer(t, live.Options{}, func() live.View { return &cloudPhotos{bucket: bucket} })
	return srv
}

func TestUploadExternalProgressFailureAndCancel(t *testing.T) {
	t.Parallel()
	st := newS3Store(t)
	srv := newCloudPhotos(t, st.bucket("photos"))
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos",
		livetest.File{Name: "a.png", Type: "image/png", Content: image(1000)},
		livetest.File{Name: "b.png", Content: image(10)},
		livetest.File{Name: "c.jpg", Content: image(10)},
	)
	var target live.UploadTarget
	if err := json.Unmarshal(in.External("a.png"), &target); err != nil || target.Method != "PUT" || !strings.Contains(target.URL, "/photos/photos/a.png?") || target.Headers["Content-Type"] != "image/png" {
		t.Fatalf("target of a.png: %+v (err %v)", target, err)
	}
	if in.Token("a.png") != "" || srv.Stats().Uploads != 0 {
		t.Fatal("an external entry was given a channel upload")
	}

	in.UploadTo("a.png", 37)
	if got := v.Text("#entry-0 .progress"); got != "35" {
		t.Errorf("progress reported at 37 %% shows %s, want 35", got)
	}
	in.UploadTo("a.png", 20)
	if got := v.Text("#entry-0 .progress"); got != "35" {
		t.Errorf("progress went back to %s", got)
	}
	in.Upload("a.png")
	if got := v.Text("#entry-0 .done"); got != "true" {
		t.Errorf("done after 100 %% = %s", got)
	}

	if err := in.FailExternal("b.png", "status 403"); err != nil {
		t.Fatal(err)
	}
	if got := v.Text("#entry-1 .errors"); got != live.UploadExternalFailed {
		t.Errorf("errors of a failed upload = %q", got)
	}
	in.UploadTo("b.png", 100)
	if got := v.Text("#entry-1 .done"); got != "false" {
		t.Error("a failed upload completed on a later report")
	}

	v.Click("#cancel-2")
	if err := in.FailExternal("c.jpg", "aborted"); err == nil || !strings.Contains(err.Error(), "unknown upload") {
		t.Errorf("a report on a cancelled entry was answered %v, want unknown upload", err)
	}

	v.Submit("#f", nil)
	if got := v.Text("#saved"); got != "photos/a.png" {
		t.Fatalf("saved %q, want the completed entry only", got)
	}
	if v.Has("#entry-0") || !v.Has("#entry-1") {
		t.Error("consuming did not take the completed entry alone")
	}
}

func TestUploadExternalToS3InChromium(t *testing.T) {
	const size = 24 << 20
	st := newS3Store(t)
	srv := newCloudPhotos(t, st.bucket("photos"))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ok bool
	// The progress reports the page sends.
	tab.Eval(`window.reports = []
const send = WebSocket.prototype.send
WebSocket.prototype.send = function (d) { if (typeof d == "string" && d.includes('"upload_progress"')) reports.push(JSON.parse(d)[4]); return send.call(this, d) }
true`, &ok)
	release := st.holdPuts()
	t.Cleanup(release)
	tab.Eval(chooseJS+`("#pick","big.png","image/png",`+itoa(size)+`,false)`, &ok)
	// The store holds the body after 4 MiB: the view shows the progress
	// of what was sent by then, short of done.
	tab.Wait(`+(document.querySelector("#entry-0 .progress")||{}).textContent > 0`)
	if got := tab.Text("#entry-0 .done"); got != "false" {
		t.Fatalf("done = %s while the store holds the body", got)
	}
	release()
	tab.WaitText("#entry-0 .done", "true")
	tab.WaitText("#entry-0 .progress", "100")
	n, typ := st.object(t, "photos/big.png")
	if n != size || typ != "image/png" {
		t.Fatalf("stored %d bytes of type %q, want %d image/png", n, typ, size)
	}
	// Progress reached the server at a bounded rate: on 5 % steps that
	// only grow, then 100.
	var reports []progressReport
	tab.Eval(`reports`, &reports)
	if len(reports) < 2 || len(reports) > 21 || reports[len(reports)-1].Progress != 100 {
		t.Fatalf("progress reports %v", reports)
	}
	for i, r := range reports {
		if r.Progress%5 != 0 || (i > 0 && r.Progress <= reports[i-1].Progress) || r.Error != "" {
			t.Fatalf("progress reports %v", reports)
		}
	}
	tab.Click("#save")
	tab.WaitText("#saved", "photos/big.png")
}

// progressReport is an upload_progress report as the page sent it.
type progressReport struct {
	Progress int    `json:"progress"`
	Error    string `json:"error"`
}

func TestUploadExternalRefusedByTheStoreShowsTheErrorInChromium(t *testing.T) {
	st := newS3Store(t)
	srv := newCloudPhotos(t, st.bucket("no-such-bucket"))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	var ok bool
	tab.Eval(chooseJS+`("#pick","cat.png","image/png",`+itoa(100<<10)+`,false)`, &ok)
	tab.WaitText("#entry-0 .errors", live.UploadExternalFailed)
	if got := tab.Text("#entry-0 .done"); got != "false" {
		t.Fatalf("done = %s for a refused upload", got)
	}
}

func TestUploadExternalSurvivesADroppedConnectionInChromium(t *testing.T) {
	const size = 24 << 20
	st := newS3Store(t)
	srv := newCloudPhotos(t, st.bucket("photos"))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	release := st.holdPuts()
	t.Cleanup(release)
	var ok bool
	tab.Eval(chooseJS+`("#pick","far.png","image/png",`+itoa(size)+`,false)`, &ok)
	tab.Wait(`+(document.querySelector("#entry-0 .progress")||{}).textContent > 0`)
	// The network fails while the store is receiving the file: the view
	// remounts without the entry, and the request goes on.
	tab.Eval(`templive.liveSocket.socket.conn.close(), true`, &ok)
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null && document.querySelector("#entry-0") == null`)
	release()
	// Its end is reported to the view, which hears of the file again.
	tab.WaitText("#entry-0 .done", "true")
	if n, _ := st.object(t, "photos/far.png"); n != size {
		t.Fatalf("stored %d bytes, want %d", n, size)
	}
	tab.Click("#save")
	tab.WaitText("#saved", "photos/far.png")
}
