package live

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/templive/templive/token"
)

// visitorCookie holds a visitor's id and its signature: "<id>.<mac>".
const visitorCookie = "_live_visitor"

// visitorMaxAge is how long a visitor keeps an id: 400 days, the longest
// lifetime browsers grant a cookie.
const visitorMaxAge = 400 * 24 * time.Hour

// visitorIDLen is the length of an id: 16 random bytes in unpadded base64.
const visitorIDLen = 22

// visitorKey is the context key of the visitor's id.
type visitorKey struct{}

// Visitors returns middleware that gives every visitor a stable, anonymous
// id — for presence, a cart, or votes before anyone signs in — kept in a
// signed cookie. A request without a valid cookie gets a fresh id, and the
// cookie is set on the response; next sees the request as if the browser
// had already sent it, so the very first GET of a page, and its
// [Options.Session], see the same id as every later request. [VisitorID]
// returns it:
//
//	lv := live.NewServer(live.Options{
//		Secret: secret, PubSub: ps,
//		Session: func(r *http.Request) (live.Session, error) {
//			return live.Session{"visitor": live.VisitorID(r)}, nil
//		},
//	})
//	http.ListenAndServe(addr, lv.Visitors(mux)) // mux routes "/" to lv
//
// An id is random and says nothing about the visitor; it is not a secret
// either, since only the server can sign the cookie that claims it: a
// page may show it (or part of it) to others. It identifies a browser,
// not a person: clearing cookies or another browser gives another id, and
// a cookie that does not verify (forged, or signed with another secret)
// is replaced. The cookie is HttpOnly, SameSite=Lax, and Secure when the
// request came over TLS to this server.
func (srv *Server) Visitors(next http.Handler) http.Handler {
	key := token.DeriveKey(srv.opts.Secret, saltVisitor)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := "", false
		if c, err := r.Cookie(visitorCookie); err == nil {
			id, ok = verifyVisitor(key, c.Value)
		}
		if !ok {
			id = newVisitorID()
			c := &http.Cookie{
				Name:     visitorCookie,
				Value:    id + "." + visitorMAC(key, id),
				Path:     "/",
				MaxAge:   int(visitorMaxAge / time.Second),
				HttpOnly: true,
				SameSite: http.SameSiteLaxMode,
				Secure:   r.TLS != nil,
			}
			http.SetCookie(w, c)
			r = withCookie(r, c)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), visitorKey{}, id)))
	})
}

// VisitorID returns the id [Server.Visitors] gave the visitor who sent r,
// or "" if r did not pass through it.
func VisitorID(r *http.Request) string {
	id, _ := r.Context().Value(visitorKey{}).(string)
	return id
}

// newVisitorID returns a fresh random id.
func newVisitorID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// visitorMAC signs an id: 16 bytes of HMAC-SHA256, enough that a forgery
// cannot be guessed.
func visitorMAC(key []byte, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// verifyVisitor returns the id a cookie's value claims if its signature is
// good.
func verifyVisitor(key []byte, value string) (string, bool) {
	id, mac, ok := strings.Cut(value, ".")
	if !ok || len(id) != visitorIDLen {
		return "", false
	}
	if !hmac.Equal([]byte(mac), []byte(visitorMAC(key, id))) {
		return "", false
	}
	return id, true
}

// withCookie returns a copy of r whose Cookie header holds c instead of any
// cookie of the same name.
func withCookie(r *http.Request, c *http.Cookie) *http.Request {
	kept := r.Cookies()
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	for _, k := range kept {
		if k.Name != c.Name {
			r.AddCookie(k)
		}
	}
	r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	return r
}
