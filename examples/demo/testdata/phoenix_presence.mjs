// Drives RoomChannel's presence with the official phoenix client's
// Presence class, unchanged: the payloads must have Phoenix's exact shape
// for its list to stay accurate.
//
//	node --experimental-websocket examples/demo/testdata/phoenix_presence.mjs http://127.0.0.1:8080 [longpoll]
//
// With "longpoll", every socket uses the client's LongPoll transport
// instead of a WebSocket.
//
// The server must run in development mode (for /dev/token). Exits 0 when
// every check passes; otherwise prints the failed check and exits 1.
import {Socket, LongPoll, Presence} from "phoenix"

const base = process.argv[2]
const transport = process.argv[3] === "longpoll" ? {transport: LongPoll} : {}
if(!base){
  console.error("usage: phoenix_presence.mjs <http base url>")
  process.exit(2)
}
const endPoint = base.replace(/^http/, "ws") + "/socket"
const stepTimeoutMs = 5000

async function token(user){
  const res = await fetch(`${base}/dev/token?user=${encodeURIComponent(user)}`)
  if(!res.ok){ throw new Error(`GET /dev/token: ${res.status}`) }
  return res.text()
}

/** Resolves once cond() holds, polling; rejects with what() after the timeout. */
function until(name, cond, what){
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`${name}: timed out; ${what ? what() : ""}`)) }, stepTimeoutMs)
    const poll = setInterval(() => { if(cond()){ clearInterval(poll); clearTimeout(timer); resolve() } }, 10)
  })
}

/** A user in the lobby: a socket, the channel, and a Presence tracking it. */
async function enter(user){
  const socket = new Socket(endPoint, {params: {token: await token(user)}, ...transport})
  socket.connect()
  const channel = socket.channel("room:lobby", {})
  const presence = new Presence(channel)
  const log = []
  presence.onJoin((id, current, joined) => log.push(`join ${id} ${current ? "again" : "first"}`))
  presence.onLeave((id, current, left) => log.push(`leave ${id} ${current.metas.length} left`))
  await new Promise((resolve, reject) => {
    channel.join().receive("ok", resolve).receive("error", r => reject(new Error(JSON.stringify(r))))
  })
  return {user, socket, channel, presence, log}
}

/** The list as "id:metas:typing" strings, sorted. */
function listed(p){
  return p.presence.list((id, {metas}) => `${id}:${metas.length}:${metas.some(m => m.typing)}`).sort().join(" ")
}

async function main(){
  const ada = await enter("ada")
  await until("ada sees herself", () => listed(ada) == "ada:1:false", () => listed(ada))
  const bob = await enter("bob")
  for(const p of [ada, bob]){
    await until(`${p.user} sees both`, () => listed(p) == "ada:1:false bob:1:false", () => listed(p))
  }
  const meta = ada.presence.list((id, {metas}) => metas)[0][0]
  if(!meta.phx_ref || !meta.online_at){ throw new Error(`meta lacks phx_ref or online_at: ${JSON.stringify(meta)}`) }

  // typing:start and typing:stop update the meta: an update is a leave of the
  // old meta and a join of the new, which Presence merges by phx_ref.
  await new Promise(resolve => ada.channel.push("typing:start", {}).receive("ok", resolve))
  await until("bob sees ada typing", () => listed(bob) == "ada:1:true bob:1:false", () => listed(bob))
  await new Promise(resolve => ada.channel.push("typing:stop", {}).receive("ok", resolve))
  await until("bob sees ada stop", () => listed(bob) == "ada:1:false bob:1:false", () => listed(bob))

  // The same user in a second tab: one key, two metas.
  const ada2 = await enter("ada")
  await until("bob sees ada's two tabs", () => listed(bob) == "ada:2:false bob:1:false", () => listed(bob))
  ada2.socket.disconnect()
  await until("bob sees one tab close", () => listed(bob) == "ada:1:false bob:1:false", () => listed(bob))

  // Bob leaves: ada's list drops him.
  await new Promise(resolve => bob.channel.leave().receive("ok", resolve))
  await until("ada sees bob leave", () => listed(ada) == "ada:1:false", () => listed(ada))
  if(!ada.log.includes("leave bob 0 left")){ throw new Error(`onLeave not called for bob: ${ada.log}`) }

  // A flood of joins and leaves (ten users, five joins each: within the
  // demo's rate limit on joins) reaches ada merged into a few diffs; her
  // Presence still ends right, each of them listed once.
  const flooders = await Promise.all(Array.from({length: 10}, (_, i) => enter(`flood${i}`)))
  const want = ["ada:1:false", ...flooders.map(f => `${f.user}:1:false`)].sort().join(" ")
  await until("ada sees the flooders", () => listed(ada) == want, () => listed(ada))
  const syncs = {count: 0}
  ada.presence.onSync(() => { syncs.count++ })
  let changes = 0
  await Promise.all(flooders.map(async f => {
    for(let i = 0; i < 4; i++){
      await new Promise(resolve => f.channel.leave().receive("ok", resolve))
      f.channel = f.socket.channel("room:lobby", {})
      await new Promise((resolve, reject) => {
        f.channel.join().receive("ok", resolve).receive("error", r => reject(new Error(JSON.stringify(r))))
      })
      changes += 2
    }
  }))
  await until("ada sees each flooder once after the flood", () => listed(ada) == want, () => listed(ada))
  if(syncs.count >= changes){ throw new Error(`${changes} changes cost ada ${syncs.count} presence_diff pushes: not merged`) }
  for(const f of flooders){ f.socket.disconnect() }
  await until("ada sees the flooders go", () => listed(ada) == "ada:1:false", () => listed(ada))

  ada.socket.disconnect()
  bob.socket.disconnect()
  console.log(`ok: presence_state and presence_diff keep phoenix's Presence accurate (a flood of ${changes} changes: ${syncs.count} diffs)`)
}

main().then(() => process.exit(0), err => { console.error(err.message); process.exit(1) })
