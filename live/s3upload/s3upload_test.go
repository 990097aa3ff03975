package s3upload_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/s3upload"
)

// newStore starts an S3-compatible server (gofakes3, in memory) with the
// bucket "photos" and returns a Bucket on it and its backend.
func newStore(t *testing.T) (*s3upload.Bucket, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("photos"); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(ts.Close)
	return &s3upload.Bucket{Endpoint: ts.URL, Region: "us-east-1", Name: "photos", AccessKeyID: "id", SecretAccessKey: "secret"}, backend
}

// stored returns the object key of the bucket "photos" and its type.
func stored(t *testing.T, b *s3mem.Backend, key string) ([]byte, string) {
	t.Helper()
	obj, err := b.GetObject("photos", key, nil)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return data, obj.Metadata["Content-Type"]
}

func TestPresignPutUploadsToAnS3CompatibleStore(t *testing.T) {
	t.Parallel()
	bucket, backend := newStore(t)
	body := bytes.Repeat([]byte("photo "), 1000)
	target, err := bucket.PresignPut(s3upload.Put{Key: "posts/1/a cat+dog.png", ContentType: "image/png", ContentLength: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(target.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("X-Amz-SignedHeaders") != "content-length;content-type;host" || q.Get("X-Amz-Expires") != "900" || len(q.Get("X-Amz-Signature")) != 64 {
		t.Fatalf("presigned query %v", q)
	}
	req, _ := http.NewRequest(target.Method, target.URL, bytes.NewReader(body))
	for k, v := range target.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %s", resp.Status)
	}
	data, typ := stored(t, backend, "posts/1/a cat+dog.png")
	if !bytes.Equal(data, body) || typ != "image/png" {
		t.Fatalf("stored %d bytes of type %q", len(data), typ)
	}
}

func TestPresignPostUploadsAForm(t *testing.T) {
	t.Parallel()
	bucket, backend := newStore(t)
	target, err := bucket.PresignPost(s3upload.Post{Key: "posts/2.jpg", ContentType: "image/jpeg", MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	// As the client's uploader sends it: the fields, then the file.
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	for k, v := range target.Fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "2.jpg")
	fw.Write([]byte("jpeg bytes"))
	w.Close()
	resp, err := http.Post(target.URL, w.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST: %s", resp.Status)
	}
	data, typ := stored(t, backend, "posts/2.jpg")
	if string(data) != "jpeg bytes" || typ != "image/jpeg" {
		t.Fatalf("stored %q of type %q", data, typ)
	}
	for _, f := range []string{"policy", "x-amz-signature", "x-amz-credential", "x-amz-date", "x-amz-algorithm", "key"} {
		if target.Fields[f] == "" {
			t.Errorf("no field %s", f)
		}
	}
}

func TestPresignRefusesWhatCannotBeSigned(t *testing.T) {
	t.Parallel()
	good := s3upload.Bucket{Endpoint: "https://s3.amazonaws.com", Region: "us-east-1", Name: "b", AccessKeyID: "id", SecretAccessKey: "s"}
	cases := []struct {
		name   string
		bucket func(b *s3upload.Bucket)
		put    s3upload.Put
	}{
		{"an endpoint that is not http is refused", func(b *s3upload.Bucket) { b.Endpoint = "ftp://x" }, s3upload.Put{Key: "k"}},
		{"a bucket without a region is refused", func(b *s3upload.Bucket) { b.Region = "" }, s3upload.Put{Key: "k"}},
		{"a bucket without a secret is refused", func(b *s3upload.Bucket) { b.SecretAccessKey = "" }, s3upload.Put{Key: "k"}},
		{"an empty key is refused", func(*s3upload.Bucket) {}, s3upload.Put{}},
		{"an expiry past a week is refused", func(*s3upload.Bucket) {}, s3upload.Put{Key: "k", Expires: 8 * 24 * time.Hour}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := good
			c.bucket(&b)
			if target, err := b.PresignPut(c.put); err == nil {
				t.Fatalf("signed %s", target.URL)
			}
		})
	}
}

func TestPresignKeepsTheEndpointsPathAndLeavesOutTheDefaultPort(t *testing.T) {
	t.Parallel()
	b := &s3upload.Bucket{Endpoint: "https://store.example:443/s3/", Region: "auto", Name: "media", AccessKeyID: "id", SecretAccessKey: "s"}
	target, err := b.PresignPut(s3upload.Put{Key: "a/b.png"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(target.URL, "https://store.example/s3/media/a/b.png?") {
		t.Fatalf("url %s", target.URL)
	}
	b.VirtualHosted = true
	target, _ = b.PresignPut(s3upload.Put{Key: "a/b.png"})
	if !strings.HasPrefix(target.URL, "https://media.store.example/s3/a/b.png?") {
		t.Fatalf("virtual-hosted url %s", target.URL)
	}
}

func TestExternalPresignsTheEntrysTypeAndSize(t *testing.T) {
	t.Parallel()
	bucket, _ := newStore(t)
	ext := bucket.External(func(e *live.UploadEntry) string { return "u/" + e.Name }, time.Minute)
	target, err := ext(t.Context(), &live.UploadEntry{Name: "x.png", Type: "image/png", Size: 42})
	if err != nil {
		t.Fatal(err)
	}
	tg := target.(live.UploadTarget)
	q, _ := url.ParseQuery(tg.URL[strings.IndexByte(tg.URL, '?')+1:])
	if tg.Method != "PUT" || tg.Headers["Content-Type"] != "image/png" || q.Get("X-Amz-SignedHeaders") != "content-length;content-type;host" || q.Get("X-Amz-Expires") != "60" {
		t.Fatalf("target %+v", tg)
	}
}
