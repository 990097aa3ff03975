package live_test

import (
	"strings"
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// A hostile client gets a clear refusal on the upload it abuses; its view
// and its other uploads go on.
func TestUploadHostileClientIsRefusedOnThatUploadOnly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		abuse func(t *testing.T, v *livetest.View, in *livetest.FileInput) error
		want  string
	}{
		{
			name: "a client sending more bytes than it announced fails the entry",
			abuse: func(t *testing.T, v *livetest.View, in *livetest.FileInput) error {
				ch, _, err := v.JoinUpload("0", in.Token("a.png"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ch.Chunk(0, image(999)); err != nil {
					t.Fatal(err)
				}
				_, err = ch.Chunk(999, image(2)) // one byte past the 1000 announced
				return err
			},
			want: "too_large",
		},
		{
			name: "a chunk that does not start where the server's bytes end is refused",
			abuse: func(t *testing.T, v *livetest.View, in *livetest.FileInput) error {
				ch, _, err := v.JoinUpload("0", in.Token("a.png"))
				if err != nil {
					t.Fatal(err)
				}
				ack, err := ch.Chunk(500, image(10))
				if ack.Offset != 0 {
					t.Errorf("refusal says the server holds %d bytes, want 0", ack.Offset)
				}
				return err
			},
			want: "bad offset",
		},
		{
			name: "a chunk larger than the chunk size is refused",
			abuse: func(t *testing.T, v *livetest.View, in *livetest.FileInput) error {
				ch, _, err := v.JoinUpload("1", in.Token("b.png"))
				if err != nil {
					t.Fatal(err)
				}
				_, err = ch.Chunk(0, image(16<<10+1))
				return err
			},
			want: "chunk too large",
		},
		{
			name: "a join with a token the server never gave is refused",
			abuse: func(t *testing.T, v *livetest.View, in *livetest.FileInput) error {
				_, _, err := v.JoinUpload("9", "made-up")
				return err
			},
			want: "unknown upload",
		},
		{
			name: "chunks after a cancel are refused",
			abuse: func(t *testing.T, v *livetest.View, in *livetest.FileInput) error {
				ch, _, err := v.JoinUpload("0", in.Token("a.png"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ch.Chunk(0, image(100)); err != nil {
					t.Fatal(err)
				}
				v.Click("#cancel-0")
				_, err = ch.Chunk(100, image(100))
				return err
			},
			want: "unknown upload",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newPhotos(t, live.Options{})
			v := livetest.NewClient(t, srv, nil).Live("/counter")
			in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(1000)}, livetest.File{Name: "b.png", Content: image(40 << 10)})
			err := tc.abuse(t, v, in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a refusal %q", err, tc.want)
			}
			// The other upload, and the view, go on.
			in.Upload("b.png")
			if got := v.Text("#entry-1 .done"); got != "true" {
				t.Errorf("the other upload is not done: %s", got)
			}
		})
	}
}

func TestUploadTokenOfAnotherConnectionIsRefused(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(1000)})
	thief := livetest.NewClient(t, srv, nil).Live("/counter")
	_, _, err := thief.JoinUpload("0", in.Token("a.png"))
	if err == nil || !strings.Contains(err.Error(), "wrong connection") {
		t.Fatalf("got %v, want a refusal", err)
	}
	in.Upload("a.png")
}

func TestUploadExceedingTheAnnouncedSizeShowsTheError(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(10)})
	ch, _, err := v.JoinUpload("0", in.Token("a.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Chunk(0, image(11)); err == nil {
		t.Fatal("11 bytes of a 10-byte file were accepted")
	}
	v.SyncUntil("the entry shows too_large", func() bool { return v.Text("#entry-0 .errors") == "too_large" })
	waitUploads(t, srv, 0)
}

func TestUploadFloodOfJoinsIsRefusedAndTheViewGoesOn(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	in := v.FileInput("photos", livetest.File{Name: "a.png", Content: image(1000)})
	refused := 0
	for i := range 40 {
		if _, _, err := v.JoinUpload("flood"+string(rune('a'+i%26))+string(rune('a'+i/26)), in.Token("a.png")); err != nil {
			refused++
		}
	}
	if refused < 40-live.DefaultViewsPerConnection {
		t.Fatalf("only %d of 40 joins refused", refused)
	}
	v.Click("#cancel-0")
	if v.Has("#entry-0") {
		t.Fatal("the view stopped answering")
	}
}

func TestUploadAnnouncingThousandsOfFilesKeepsOnlyTheAllowed(t *testing.T) {
	t.Parallel()
	srv, _ := newPhotos(t, live.Options{})
	v := livetest.NewClient(t, srv, nil).Live("/counter")
	files := make([]livetest.File, 2000)
	for i := range files {
		files[i] = livetest.File{Name: "p" + strings.Repeat("x", i%7) + ".png", Content: nil}
		files[i].Name = files[i].Name[:len(files[i].Name)-4] + string(rune('a'+i%26)) + ".png"
	}
	v.FileInput("photos", files...)
	if n := v.Count("#entries li"); n != 2 {
		t.Fatalf("the view keeps %d entries, want 2", n)
	}
	if got := srv.Stats().Uploads; got != 2 {
		t.Fatalf("the server holds %d entries, want 2", got)
	}
}
