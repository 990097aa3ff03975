package main

import (
	"context"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Bounds of the photos page's upload.
const (
	maxPhotos        = 500
	maxPhotoFileSize = 10 << 20
)

// PhotosLive uploads many images at once: chosen or dropped onto the
// page, each shown at once with its preview (from the browser, before any
// byte is sent), then its progress, and a button to cancel it. Files are
// uploaded as soon as they are chosen, a few at a time; "Save" copies the
// completed ones into the media directory and shows them.
type PhotosLive struct {
	User  string
	Up    *live.Upload // nil for anonymous visitors
	Saved []string     // names in the media directory, newest last

	media *media
}

// Mount allows the upload to signed-in users.
func (v *PhotosLive) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.User = s.Session().Get("user")
	s.SetTitle("Photos · templive demo")
	if v.User != "" {
		v.Up = s.AllowUpload("photos", live.UploadOptions{
			Accept:      imageAccept,
			MaxEntries:  maxPhotos,
			MaxFileSize: maxPhotoFileSize,
			AutoUpload:  true,
		})
	}
	return nil
}

// HandleEvent saves the completed photos, or cancels every entry.
func (v *PhotosLive) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if v.Up == nil {
		return nil
	}
	switch ev.Name {
	case "save":
		return s.ConsumeUploads("photos", func(f live.UploadedFile) error {
			name, err := v.media.save(f)
			if err == nil {
				v.Saved = append(v.Saved, name)
			}
			return err
		})
	case "cancel-all":
		for len(v.Up.Entries) > 0 {
			s.CancelUpload(v.Up.Name, v.Up.Entries[0].Ref)
		}
	}
	return nil
}

// Render shows the page.
func (v *PhotosLive) Render() templ.Component { return photosView(v) }

// counts returns the entries done, the entries still uploading, and the
// rejected ones.
func (v *PhotosLive) counts() (done, uploading, rejected int) {
	for _, e := range v.Up.Entries {
		switch {
		case !e.Valid():
			rejected++
		case e.Done:
			done++
		default:
			uploading++
		}
	}
	return done, uploading, rejected
}
