package live_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

func TestMaxViewBytesRefusesJoinsOnceTheViewsFillIt(t *testing.T) {
	t.Parallel()
	// Room for three counters (a few hundred bytes of HTML each), not four.
	const fit = 3
	srv, _ := newServer(t, live.Options{MaxViewBytes: fit*live.ViewOverhead + 2000}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ids, sessions, csrf, cookies := livePages(t, ts, "/counter", fit+2)
	s := dialLive(t, ts, csrf, cookies)
	join := func(i int) (string, string) {
		ref := fmt.Sprint("j", i)
		s.send(ref, ref, "lv:"+ids[i], "phx_join", map[string]string{"session": sessions[i], "url": ts.URL + "/counter"})
		return s.reply(ref)
	}
	for i := range fit {
		if status, reason := join(i); status != "ok" {
			t.Fatalf("view %d refused: %s", i+1, reason)
		}
	}
	if got := srv.Stats().ViewBytes; got < fit*live.ViewOverhead || got > fit*live.ViewOverhead+2000 {
		t.Fatalf("Stats().ViewBytes = %d for %d counters", got, fit)
	}
	if status, reason := join(fit); status != "error" || reason != "server busy" {
		t.Fatalf("a join past MaxViewBytes: %s %q, want refused as server busy", status, reason)
	}

	// A view that leaves makes room for the next.
	s.send("j0", "leave", "lv:"+ids[0], "phx_leave", nil)
	if status, _ := s.reply("leave"); status != "ok" {
		t.Fatal("leave refused")
	}
	deadline := time.Now().Add(livetest.Timeout)
	for srv.Stats().ViewBytes >= fit*live.ViewOverhead && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if status, reason := join(fit + 1); status != "ok" {
		t.Fatalf("a join after a view left: %s %q", status, reason)
	}
}

func TestTheViewsBytesFollowTheirRendersAndLeaveWithThem(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/form", func() live.View { return &form{} })
	v := livetest.Mount(t, srv, "/form")
	before := srv.Stats().ViewBytes
	if before < live.ViewOverhead {
		t.Fatalf("a view counts %d bytes, less than ViewOverhead", before)
	}
	// The form shows the email twice: in the field and below it.
	v.Change("#f", "email", url.Values{"email": {strings.Repeat("x", 10_000)}})
	if grown := srv.Stats().ViewBytes - before; grown < 2*10_000 {
		t.Fatalf("a render 2×10 KB larger grew the estimate by %d bytes", grown)
	}
	v.Close()
	deadline := time.Now().Add(livetest.Timeout)
	for srv.Stats().ViewBytes != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still counted after the view ended", srv.Stats().ViewBytes)
		}
		time.Sleep(time.Millisecond)
	}
}
