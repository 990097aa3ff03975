// The multiplayer board's client: templive's Socket, Channel and Presence
// against BoardChannel on /socket. The pointer's position goes out at most
// once per animation frame, as a 4-byte binary push; the points of a
// stroke at most every strokeEveryMs, as JSON. Others' cursors arrive
// coalesced by the server ("cursors": {"c": [[user, x, y], …]}), their
// strokes as drawn ("stroke": {"u", "s", "p": [x0, y0, …]}).
(() => {
  const {Socket, Presence} = window.templive
  const UNIT = 65534 // board units per width and per height
  const GONE = 0xFFFF // the coordinate of a pointer off the board
  const strokeEveryMs = 40 // text frames count whole against the socket's rate limit
  const maxStrokePoints = 64 // as the server's maxStrokePoints

  const surface = document.getElementById("board")
  const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById("board-canvas"))
  const ctx = canvas.getContext("2d")
  const layer = document.getElementById("board-cursors")
  const online = document.getElementById("board-online")
  const status = document.getElementById("board-status")

  const token = document.querySelector('meta[name="socket-token"]').content
  const socket = new Socket("/socket", {params: {token}})
  socket.connect()
  const channel = socket.channel("board:" + surface.dataset.board, {})
  const presence = new Presence(channel)
  let me = ""

  const color = id => {
    let h = 0
    for (const ch of id) h = (h * 31 + ch.codePointAt(0)) >>> 0
    return `hsl(${h % 360} 65% 42%)`
  }

  // Others' cursors: one labelled element each, placed in percent of the board.
  const cursors = new Map()
  const moveCursor = (id, x, y) => {
    let el = cursors.get(id)
    if (x === GONE || y === GONE) {
      if (el) { el.remove(); cursors.delete(id) }
      return
    }
    if (!el) {
      el = document.createElement("div")
      el.className = "board-cursor"
      el.id = "board-cursor-" + id
      el.style.setProperty("--c", color(id))
      el.textContent = id
      layer.append(el)
      cursors.set(id, el)
    }
    el.style.left = (x / UNIT * 100) + "%"
    el.style.top = (y / UNIT * 100) + "%"
    el.dataset.x = x
    el.dataset.y = y
  }

  presence.onSync(() => {
    const here = new Set()
    online.replaceChildren(...presence.list((id, {metas}) => {
      here.add(id)
      const li = document.createElement("li")
      li.id = "board-online-" + id
      li.style.color = color(id)
      li.textContent = id + (id === me ? " (you)" : "") + (metas.length > 1 ? ` (${metas.length} tabs)` : "")
      return li
    }))
    for (const id of cursors.keys()) if (!here.has(id)) moveCursor(id, GONE, GONE)
  })

  // Strokes: each (user, stroke) continues from its last point.
  const ends = new Map()
  const draw = (user, stroke, p) => {
    const key = user + "/" + stroke
    let i = 0
    let last = ends.get(key)
    if (!last) { last = [p[0], p[1]]; i = 2 }
    ctx.strokeStyle = color(user)
    ctx.lineWidth = 3
    ctx.lineCap = ctx.lineJoin = "round"
    ctx.beginPath()
    ctx.moveTo(last[0] / UNIT * canvas.width, last[1] / UNIT * canvas.height)
    for (; i < p.length; i += 2) ctx.lineTo(p[i] / UNIT * canvas.width, p[i + 1] / UNIT * canvas.height)
    if (p.length === 2 && !ends.has(key)) ctx.lineTo(p[0] / UNIT * canvas.width + 0.1, p[1] / UNIT * canvas.height)
    ctx.stroke()
    ends.delete(key) // kept in insertion order: the oldest strokes are forgotten first
    ends.set(key, [p[p.length - 2], p[p.length - 1]])
    if (ends.size > 500) ends.delete(ends.keys().next().value)
  }

  channel.on("cursors", ({c}) => { for (const [id, x, y] of c) moveCursor(id, x, y) })
  channel.on("stroke", ({u, s, p}) => draw(u, s, p))

  channel.join()
    .receive("ok", ({user_id}) => { me = user_id; status.textContent = "connected" })
    .receive("error", ({reason}) => { status.textContent = "refused: " + reason })

  // Local input: drawn at once, sent throttled.
  let pos = null // [x, y] not yet sent
  let stroke = 0 // the id of the stroke being drawn, 0 when the button is up
  let strokeID = 0 // the stroke the unsent points belong to
  let nextStroke = 1
  let points = [] // of the current stroke, not yet sent
  let lastStrokeAt = 0
  let frame = 0

  const units = e => {
    const r = surface.getBoundingClientRect()
    const clamp = v => Math.max(0, Math.min(UNIT, Math.round(v * UNIT)))
    return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)]
  }
  const flush = () => {
    frame = 0
    if (channel.state !== "joined") return
    if (pos) {
      const buf = new ArrayBuffer(4)
      const view = new DataView(buf)
      view.setUint16(0, pos[0])
      view.setUint16(2, pos[1])
      channel.push("cursor", buf)
      pos = null
    }
    if (points.length && performance.now() - lastStrokeAt >= strokeEveryMs) {
      sendPoints()
    } else if (points.length) {
      schedule()
    }
  }
  const sendPoints = () => {
    while (points.length) {
      channel.push("stroke", {s: strokeID, p: points.splice(0, 2 * maxStrokePoints)})
    }
    lastStrokeAt = performance.now()
  }
  const schedule = () => { if (!frame) frame = requestAnimationFrame(flush) }

  surface.addEventListener("pointermove", e => {
    const p = units(e)
    pos = p
    if (stroke) {
      points.push(p[0], p[1])
      draw(me, "local" + stroke, p)
    }
    schedule()
  })
  surface.addEventListener("pointerdown", e => {
    if (e.button !== 0) return
    surface.setPointerCapture(e.pointerId)
    if (points.length) sendPoints()
    stroke = strokeID = nextStroke++
    const p = units(e)
    points.push(p[0], p[1])
    draw(me, "local" + stroke, p)
    schedule()
  })
  const end = () => {
    if (!stroke) return
    stroke = 0
    if (points.length && channel.state === "joined") sendPoints()
  }
  surface.addEventListener("pointerup", end)
  surface.addEventListener("pointercancel", end)
  surface.addEventListener("pointerleave", () => { end(); pos = [GONE, GONE]; schedule() })
})()
