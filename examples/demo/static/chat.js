// The Channels demo's client: templive's Socket, Channel and Presence, the
// same API as the phoenix package, against RoomChannel on /socket.
(() => {
  const {Socket, Presence} = window.templive
  const token = document.querySelector('meta[name="socket-token"]').content
  const socket = new Socket("/socket", {params: {token}})
  socket.connect()

  const channel = socket.channel("room:lobby", {})
  const presence = new Presence(channel)
  const status = document.getElementById("chat-status")
  const online = document.getElementById("chat-online")
  const messages = document.getElementById("chat-messages")
  const input = document.getElementById("chat-body")

  presence.onSync(() => {
    online.replaceChildren(...presence.list((id, {metas}) => {
      const li = document.createElement("li")
      li.id = "chat-online-" + id
      li.textContent = id + (metas.length > 1 ? ` (${metas.length} tabs)` : "")
      if (metas.some(m => m.typing)) {
        const em = document.createElement("em")
        em.className = "typing"
        em.textContent = " typing…"
        li.append(em)
      }
      return li
    }))
  })

  channel.on("new_msg", ({body, user_id}) => {
    const li = document.createElement("li")
    const b = document.createElement("b")
    b.textContent = user_id
    li.append(b, " ", body)
    messages.append(li)
  })

  channel.join()
    .receive("ok", () => { status.textContent = "connected" })
    .receive("error", ({reason}) => { status.textContent = "refused: " + reason })

  let typing = false
  let stop = 0
  input.addEventListener("input", () => {
    if (!typing) channel.push("typing:start", {})
    typing = true
    clearTimeout(stop)
    stop = setTimeout(() => { typing = false; channel.push("typing:stop", {}) }, 3000)
  })
  document.getElementById("chat-form").addEventListener("submit", e => {
    e.preventDefault()
    const body = input.value.trim()
    if (!body) return
    channel.push("new_msg", {body})
      .receive("error", ({reason, max_chars}) => {
        status.textContent = reason === "message too long" ? `A message has at most ${max_chars} characters.` : reason
      })
    input.value = ""
    clearTimeout(stop)
    if (typing) { typing = false; channel.push("typing:stop", {}) }
  })
})()
