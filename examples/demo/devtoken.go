package main

import (
	"net/http"
	"strings"

	"github.com/templive/templive/token"
)

// devTokenHandler serves GET /dev/token?user=<id>: a user socket token for
// any user, as plain text. It signs anyone in, so the demo serves it only
// in development mode.
func devTokenHandler(signer *token.Signer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := strings.TrimSpace(r.URL.Query().Get("user"))
		if user == "" || len(user) > 64 {
			http.Error(w, "want ?user=<id> (1 to 64 characters)", http.StatusBadRequest)
			return
		}
		tok, err := token.Sign(signer, userSocketSalt, user)
		if err != nil {
			http.Error(w, "cannot sign token", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(tok))
	})
}

// devDisconnectHandler serves POST /dev/disconnect?user=<id>: it closes every
// socket of that user on every node, as a "log out everywhere" would. The
// clients reconnect by themselves and must present a valid token again.
// Like the sign-in forms it refuses posts from other sites, which any page
// a developer visits could otherwise send.
func devDisconnectHandler(chans *channels) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "cross-site post refused", http.StatusForbidden)
			return
		}
		user := strings.TrimSpace(r.URL.Query().Get("user"))
		if user == "" {
			http.Error(w, "want ?user=<id>", http.StatusBadRequest)
			return
		}
		u := &UserSocket{UserID: user}
		if err := chans.sock.Disconnect(r.Context(), u.socketID()); err != nil {
			http.Error(w, "cannot disconnect", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
