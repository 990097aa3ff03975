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
  var t = window.templive
  var live = t && t.liveSocket
  if (!live || !live.socket || !live.views) return
  tools(live, live.socket)
  var src = window.templ_reloadSrc
  if (!src) return
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

  // Developer tools, called from the browser console; each setting lasts for
  // the tab's session (sessionStorage), across reloads:
  //
  //   templive.liveSocket.enableLatencySim(300)  // each frame waits 300 ms each way
  //   templive.liveSocket.disableLatencySim()
  //   templive.liveSocket.enableDebug()          // logs every frame in and out
  //   templive.liveSocket.disableDebug()
  //
  // The latency simulator delays frames in both directions, in order, so that
  // loading states (live-disable-with, phx-*-loading classes, async results)
  // show as they will on a slow network.
  function tools(live, socket) {
    var LATENCY = "templive:latency-sim", DEBUG = "templive:debug"
    var store = window.sessionStorage
    var latency = +(store.getItem(LATENCY) || 0)
    var receive = socket.onConnMessage.bind(socket)
    socket.onConnMessage = function (data) {
      if (latency > 0) setTimeout(function () { receive(data) }, latency)
      else receive(data)
    }
    function wrap(conn) {
      if (!conn || conn.templiveWrapped) return
      var send = conn.send.bind(conn)
      conn.templiveWrapped = true
      conn.send = function (data) {
        if (latency > 0) setTimeout(function () { if (conn.readyState === 1) send(data) }, latency)
        else send(data)
      }
    }
    wrap(socket.conn)
    socket.onOpen(function () { wrap(socket.conn) })
    live.enableLatencySim = function (ms) {
      latency = Math.max(0, +ms || 0)
      store.setItem(LATENCY, String(latency))
      console.info("templive: latency simulator on, " + latency + " ms each way; disableLatencySim() to stop")
    }
    live.disableLatencySim = function () {
      latency = 0
      store.removeItem(LATENCY)
    }
    live.latencySim = function () { return latency }
    var logger = socket.logger
    live.enableDebug = function () {
      store.setItem(DEBUG, "1")
      socket.logger = function (kind, msg, data) {
        console.debug("templive " + kind + ": " + msg, data === undefined ? "" : data)
        logger && logger(kind, msg, data)
      }
    }
    live.disableDebug = function () {
      store.removeItem(DEBUG)
      socket.logger = logger
    }
    if (store.getItem(DEBUG)) live.enableDebug()
    if (latency > 0) console.info("templive: latency simulator on, " + latency + " ms each way")
  }
})()
