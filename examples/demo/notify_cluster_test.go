package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/templive/templive/render"
)

// TestAdminBroadcastReachesUsersOnTwoNodes runs two demo processes on
// Redis: an admin's broadcast from node A lights the bells of users on A
// and on B, once each.
func TestAdminBroadcastReachesUsersOnTwoNodes(t *testing.T) {
	needServer(t, testRedisAddr, "Redis (redis-server)")
	cl := newDemoCluster(t, buildDemo(t), "redis://"+testRedisAddr)
	cl.args = []string{"-admins", "root"}
	a, b := cl.start("a"), cl.start("b")
	ada, bob, root := newRemote(t), newRemote(t), newRemote(t)
	ada.signIn(a.url, "ada")
	bob.signIn(a.url, "bob")
	root.signIn(a.url, "root")

	bells := []*remoteView{ada.live(a.url, bellPath), bob.live(b.url, bellPath)}
	admin := root.live(a.url, "/admin")
	count := func(v *remoteView) string { return strings.TrimSpace(textOf(byID(v.tree, "bell-count"))) }

	for _, v := range bells {
		v.event("click", "toggle", nil) // open the list
	}
	for i, body := range []string{"maintenance at noon", "back up"} {
		admin.event("submit", "broadcast", url.Values{"body": {body}})
		for _, v := range bells {
			v.waitFor("the broadcast "+body, func(root *render.Node) bool {
				return strings.Contains(textOf(byID(root, "bell-items")), body)
			})
			// Once per tab: the second broadcast makes two, not three or four.
			if want := []string{"1", "2"}[i]; count(v) != want {
				t.Fatalf("%s's bell counts %q after broadcast %d, want %s:\n%s", v.node, count(v), i+1, want, v.html())
			}
		}
	}
}
