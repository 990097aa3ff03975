package live_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// revocations is an app's record of signed-out users.
type revocations struct {
	mu      sync.Mutex // guards revoked
	revoked map[string]bool
}

func (r *revocations) revoke(user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.revoked[user] = true
}

func (r *revocations) authorize(_ context.Context, s live.Session) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revoked[s.Get("user")] {
		return errors.New("signed out")
	}
	return nil
}

func TestAuthorizeRefusesARevokedSessionAtEveryJoin(t *testing.T) {
	t.Parallel()
	for _, mountOnce := range []bool{false, true} {
		name := "a page's join"
		if mountOnce {
			name = "the adoption of the view mounted for the GET"
		}
		t.Run(name+" is refused once the session is revoked", func(t *testing.T) {
			t.Parallel()
			rev := &revocations{revoked: map[string]bool{}}
			srv, _ := newServer(t, live.Options{
				MountOnce: mountOnce,
				Session: func(r *http.Request) (live.Session, error) {
					c, err := r.Cookie("user")
					if err != nil {
						return nil, nil
					}
					return live.Session{"user": c.Value}, nil
				},
				Authorize: rev.authorize,
			}, nil)
			c := livetest.NewClient(t, srv, nil)
			c.SetCookie(&http.Cookie{Name: "user", Value: "ada"})
			c.Live("/counter") // joins while the session is good
			adoptions := srv.Stats().Adoptions

			rev.revoke("ada")
			err := c.TryLive("/counter") // the page's session still says ada
			if err == nil || !strings.Contains(err.Error(), `"unauthorized"`) {
				t.Fatalf("join of a revoked session: %v, want refused as unauthorized", err)
			}
			if got := srv.Stats().Adoptions; got != adoptions {
				t.Fatalf("a refused join adopted the GET's view (%d adoptions, had %d)", got, adoptions)
			}
		})
	}
}
