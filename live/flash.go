package live

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/templive/templive/token"
)

// ClearFlashEvent is the event of [FlashMessages]' dismiss buttons:
//
//	<button type="button" live-click="live:clear-flash" live-value-kind="info">×</button>
//
// The runtime clears the flash of the kind the event's "kind" value names,
// or all of it without one; the view's HandleEvent does not see the event.
const ClearFlashEvent = "live:clear-flash"

// clearFlashEvent handles ClearFlashEvent, reporting whether ev was one:
// the view re-renders without the message, and the reply waits for that
// render like any event's.
func (vc *viewChannel) clearFlashEvent(ev Event, ref string) bool {
	if ev.Name != ClearFlashEvent {
		return false
	}
	vc.s.ClearFlash(ev.Value("kind"))
	vc.dirty = true
	vc.waiting = append(vc.waiting, waiting{ref: ref})
	return true
}

// flashKinds returns the kinds of the flash, sorted, so that a page shows
// its messages in the same order at every render.
func (s *Socket) flashKinds() []string {
	return slices.Sorted(maps.Keys(s.flash))
}

// flashRole is the ARIA role of a flash message: an error interrupts a
// screen reader, other kinds wait their turn.
func flashRole(kind string) string {
	if kind == "error" {
		return "alert"
	}
	return "status"
}

// TakeFlash returns the flash a live view's redirect carried to a page that
// is not a live view — a sign-in form the group's mount hook redirected
// to, say — by kind, and clears it, so the next live page does not show
// it again. A live page takes it itself; unread, it expires after a
// minute. It returns nil when there is none, or it is not valid.
func (srv *Server) TakeFlash(w http.ResponseWriter, r *http.Request) map[string]string {
	return srv.takeFlashCookie(w, r)
}

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
		vc.logger().Error("flash not carried", "err", err)
		return ""
	}
	return tok
}
