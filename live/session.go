package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// Salts keep tokens signed for one purpose from verifying for another.
const (
	saltSession = "templive live session"
	saltFlash   = "templive flash"
	saltCSRF    = "templive csrf"
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

// csrfSecret returns the request's CSRF secret, setting a fresh cookie if
// it has none.
func csrfSecret(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	var b [32]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name:     csrfCookie,
		Value:    v,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   r.TLS != nil,
	})
	return v
}

// csrfToken derives the token a page embeds from the cookie's secret. A
// page on another origin can make the browser send the cookie but cannot
// read the token, so a connect carrying it comes from our own page.
func (srv *Server) csrfToken(secret string) string {
	m := hmac.New(sha256.New, srv.signer.key(saltCSRF))
	m.Write([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether token matches the secret in the request's
// cookies.
func (srv *Server) validCSRF(token string, cookies []*http.Cookie) bool {
	if token == "" {
		return false
	}
	for _, c := range cookies {
		if c.Name == csrfCookie {
			return hmac.Equal([]byte(token), []byte(srv.csrfToken(c.Value)))
		}
	}
	return false
}
