package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/templive/templive/live"
)

// The images the demo stores, by extension, with the type it serves them
// with: never the type a browser announced, and never a type a browser
// would run (no SVG).
var imageTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// imageAccept is the upload rule that matches imageTypes.
var imageAccept = []string{".png", ".jpg", ".jpeg", ".gif", ".webp"}

// mediaName is the form of a stored file's name: 128 random bits and an
// extension of imageTypes. The server makes it up; the browser's file name
// never reaches the disk.
var mediaName = regexp.MustCompile(`^[0-9a-z]{26}\.(png|jpg|jpeg|gif|webp)$`)

// media is the directory of the images users uploaded, next to the feed's
// database, and the handler that serves them at /media/<name>.
type media struct {
	dir  string
	temp bool // a directory of its own, removed by close
}

// openMedia opens the media directory next to the database file dbPath,
// creating it; with no database file (dbPath ""), it makes a temporary one.
func openMedia(dbPath string) (*media, error) {
	if dbPath == "" {
		dir, err := os.MkdirTemp("", "templive-demo-media-")
		if err != nil {
			return nil, fmt.Errorf("media: %w", err)
		}
		return &media{dir: dir, temp: true}, nil
	}
	dir := filepath.Join(filepath.Dir(dbPath), "media")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &media{dir: dir}, nil
}

// close removes a temporary directory.
func (m *media) close() error {
	if !m.temp {
		return nil
	}
	return os.RemoveAll(m.dir)
}

// save copies an uploaded image into the directory under a new name, and
// returns the name. It copies rather than moves, so that the upload's
// temporary file stays for a retry if what the image was for then fails;
// the live runtime removes it once consumed.
func (m *media) save(f live.UploadedFile) (name string, err error) {
	ext := strings.ToLower(filepath.Ext(f.Name))
	if imageTypes[ext] == "" {
		return "", fmt.Errorf("media: %q is not an image", f.Name)
	}
	name = strings.ToLower(rand.Text()) + ext
	src, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(m.dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return "", fmt.Errorf("media: %w", err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return "", errors.Join(fmt.Errorf("media: %w", err), m.remove(name))
	}
	if err := dst.Close(); err != nil {
		return "", errors.Join(fmt.Errorf("media: %w", err), m.remove(name))
	}
	return name, nil
}

// remove removes a stored image; one that is not there is no error.
func (m *media) remove(name string) error {
	if !mediaName.MatchString(name) {
		return nil
	}
	if err := os.Remove(filepath.Join(m.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}

// ServeHTTP serves GET /media/{name}: the stored image with the type of
// its extension, which the browser must not second-guess (nosniff), and a
// sandbox in case it is opened as a document.
func (m *media) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !mediaName.MatchString(name) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(m.dir, name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "unreadable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", imageTypes[filepath.Ext(name)])
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable") // a name is never reused
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
