package main

import (
	"context"
	"net/http"
	"net/url"

	"github.com/templive/templive/token"
)

// userKey is the context key of the signed-in user on plain (not live)
// pages, for the layout.
type userKey struct{}

// chatHandler serves /chat: the Channels demo page, with a socket token for
// the signed-in user rendered into it, as Phoenix apps do.
func chatHandler(a *auth) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := a.user(r)
		if user == "" {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape("/chat"), http.StatusFound)
			return
		}
		tok, err := token.Sign(a.signer, userSocketSalt, user)
		if err != nil {
			http.Error(w, "cannot sign token", http.StatusInternalServerError)
			return
		}
		ctx := context.WithValue(r.Context(), userKey{}, user)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		layout("Lobby (Channels) · templive demo").Render(withChildren(ctx, chatPage(tok)), w)
	})
}
