package main

import (
	"context"
	"net/http"
	"net/url"

	"github.com/templive/templive/token"
)

// boardHandler serves /board?b=<id> (the lobby's board without b): the
// multiplayer page, with a socket token for the signed-in user.
func boardHandler(a *auth) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := a.user(r)
		if user == "" {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
			return
		}
		board := r.URL.Query().Get("b")
		if board == "" {
			board = "lobby"
		}
		if !boardID.MatchString(board) {
			http.Error(w, "no such board", http.StatusNotFound)
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
		layout("Board · templive demo").Render(withChildren(ctx, boardPage(tok, board)), w)
	})
}
