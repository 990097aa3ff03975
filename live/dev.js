// templive's development reload, served at /live/dev.js when live.Options.Dev
// is set. templ's watch proxy (templ generate --watch --proxy=…) puts a script
// in every page that reloads it whenever a file changes, which would throw
// away what the user typed. This script takes templ's message instead and
// brings the page up to date over the live socket: each view joins again, its
// new render replaces the old one, and form recovery puts back the fields'
// values. When the server is restarting (a Go file changed), the socket is
// down, and the views rejoin by themselves when it reconnects: if it is
// waiting out its backoff, it tries again at once; if an attempt is under
// way (templ's proxy holds it until the new server answers), it is left to
// finish.
(function () {
  "use strict"
  var src = window.templ_reloadSrc
  var t = window.templive
  var live = t && t.liveSocket
  if (!src || !live || !live.socket || !live.views) return
  src.onmessage = function (e) {
    if (!e || e.data !== "reload") return
    var socket = live.socket
    try {
      if (socket.isConnected()) {
        live.views.forEach(function (v) { v.leave(); v.join() })
      } else if (!socket.conn) {
        socket.reconnectTimer.reset()
        socket.reconnectTimer.schedule()
      }
    } catch (err) {
      // A client this script does not know: reload, as templ would.
      window.location.reload()
    }
  }
})()
