package live

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// CheckCSRF reports whether a request carries the CSRF token of the page
// it comes from, in its _csrf_token form field or X-CSRF-Token header, for
// plain form posts and fetches outside the live socket ([Socket.CSRFToken]
// renders the token into a page).
func (srv *Server) CheckCSRF(r *http.Request) bool {
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		token = r.PostFormValue("_csrf_token")
	}
	return srv.validCSRF(token, r.Cookies())
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
	m := hmac.New(sha256.New, srv.csrfKey)
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
