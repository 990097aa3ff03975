package live

import (
	"net/http"
	"time"

	"github.com/templive/templive/token"
)

// takeFlashCookie returns the flash a redirect carried, and clears it.
func (srv *Server) takeFlashCookie(w http.ResponseWriter, r *http.Request) map[string]string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	flash, err := token.Verify[map[string]string](srv.signer, saltFlash, c.Value, flashMaxAge)
	if err != nil {
		return nil
	}
	return flash
}

// setFlashCookie carries flash over a redirect.
func (srv *Server) setFlashCookie(w http.ResponseWriter, r *http.Request, flash map[string]string) {
	if len(flash) == 0 {
		return
	}
	tok, err := srv.flashToken(flash)
	if err != nil {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: tok, Path: "/", MaxAge: int(flashMaxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// flashToken signs a flash for a redirect or a navigation.
func (srv *Server) flashToken(flash map[string]string) (string, error) {
	if len(flash) == 0 {
		return "", nil
	}
	return token.Sign(srv.signer, saltFlash, flash)
}

// joinFlash returns the flash a join shows: the one a live navigation
// carried, else, on a join of the page's own route, the page's.
func (vc *viewChannel) joinFlash(tok sessionToken, carried string, navigated bool) map[string]string {
	if carried != "" {
		if f, err := token.Verify[map[string]string](vc.srv.signer, saltFlash, carried, flashMaxAge); err == nil {
			return f
		}
	}
	if navigated {
		return nil
	}
	return tok.Flash
}

// flashToken signs the flash for the page the browser goes to next.
func (vc *viewChannel) flashToken() string {
	tok, err := vc.srv.flashToken(vc.s.flash)
	if err != nil {
		vc.cc.Logger().Error("flash not carried", "err", err)
		return ""
	}
	return tok
}
