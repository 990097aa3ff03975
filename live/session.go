package live

import (
	"encoding/base64"
	"time"

	"github.com/google/uuid"
)

// Salts keep tokens signed for one purpose from verifying for another.
const (
	saltSession = "templive live session"
	saltFlash   = "templive flash"
	saltCSRF    = "templive csrf"
	saltVisitor = "templive visitor"
)

// csrfCookie holds the random secret the page's CSRF token is derived from.
const csrfCookie = "_live_csrf"

// flashCookie carries the flash over a redirect's full page load.
const flashCookie = "_live_flash"

// flashMaxAge bounds how long a flash survives a redirect.
const flashMaxAge = time.Minute

// sessionToken is what a page's data-live-session token carries: enough for
// any node to mount the view again when the browser joins.
type sessionToken struct {
	ID      string            `json:"i"`
	Route   string            `json:"r"`
	Session Session           `json:"s,omitempty"`
	Flash   map[string]string `json:"f,omitempty"`
}

// newViewID returns a fresh, unguessable view id: the page's root element
// id and, after "lv:", its channel topic. It is a random (version 4) UUID,
// in 22 characters of URL-safe base64 rather than 36 of hex: it travels in
// every frame of the view.
func newViewID() string {
	id := uuid.New()
	return "lv-" + base64.RawURLEncoding.EncodeToString(id[:])
}
