// Drives the demo's /socket with the official phoenix client, unchanged.
//
//	node --experimental-websocket examples/demo/testdata/phoenix_client.mjs http://127.0.0.1:8080 [longpoll]
//
// With "longpoll", every socket uses the client's LongPoll transport
// instead of a WebSocket.
//
// The server must run in development mode (for /dev/token and
// /dev/disconnect) with a short socket idle timeout (about 2 s): the
// heartbeat check idles for longer than that. Exits 0 when every check
// passes; otherwise prints the failed check and exits 1.
import {Socket, LongPoll} from "phoenix"

const base = process.argv[2]
const transport = process.argv[3] === "longpoll" ? {transport: LongPoll} : {}
if(!base){
  console.error("usage: phoenix_client.mjs <http base url>")
  process.exit(2)
}
const endPoint = base.replace(/^http/, "ws") + "/socket"
const heartbeatIntervalMs = 500
const stepTimeoutMs = 5000

/** Resolves with the value passed to done, or rejects after the step timeout. */
function step(name, fn){
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: timed out`)), stepTimeoutMs)
    fn(value => { clearTimeout(timer); resolve(value) }, err => { clearTimeout(timer); reject(new Error(`${name}: ${err}`)) })
  })
}

/** Resolves once cond() holds, polling. */
function until(name, cond){
  return step(name, ok => {
    const poll = setInterval(() => { if(cond()){ clearInterval(poll); ok() } }, 10)
  })
}

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

async function token(user){
  const res = await fetch(`${base}/dev/token?user=${encodeURIComponent(user)}`)
  if(!res.ok){ throw new Error(`GET /dev/token: ${res.status}`) }
  return res.text()
}

/** Opens a socket; opts are phoenix Socket options. Counts opens and closes. */
function connect(opts){
  const socket = new Socket(endPoint, {heartbeatIntervalMs, reconnectAfterMs: () => 50, rejoinAfterMs: () => 50, ...transport, ...opts})
  socket.stats = {opens: 0, closes: 0}
  socket.onOpen(() => socket.stats.opens++)
  socket.onClose(() => socket.stats.closes++)
  socket.connect()
  return socket
}

/** Joins topic and resolves with the channel, or rejects with the reason. */
function join(socket, topic){
  const channel = socket.channel(topic, {})
  channel.joins = 0 // the hook runs again on every rejoin
  return step(`join ${topic}`, (ok, fail) => {
    channel.join()
      .receive("ok", () => { channel.joins++; ok(channel) })
      .receive("error", resp => fail(JSON.stringify(resp)))
  })
}

/** Joins topic expecting a refusal; resolves with the error response. */
function joinRefused(socket, topic){
  const channel = socket.channel(topic, {})
  return step(`join ${topic} (refusal)`, (ok, fail) => {
    channel.join()
      .receive("ok", () => fail("joined, want a refusal"))
      .receive("error", resp => { channel.leave(); ok(resp) })
  })
}

function check(cond, msg){
  if(!cond){ throw new Error(msg) }
}

async function main(){
  // Client 1 sends its token as a connect param, client 2 as authToken.
  const alice = connect({params: {token: await token("1")}})
  const bob = connect({authToken: await token("2")})
  const lobbyA = await join(alice, "room:lobby")
  const lobbyB = await join(bob, "room:lobby")

  // new_msg reaches both clients, with the sender's user id.
  const got = [lobbyA, lobbyB].map(ch => step("new_msg broadcast", ok => ch.on("new_msg", ok)))
  lobbyA.push("new_msg", {body: "hello"})
  for(const msg of await Promise.all(got)){
    check(msg.body === "hello" && msg.user_id === "1", `new_msg payload: ${JSON.stringify(msg)}`)
  }

  // typing reaches the others but not the sender.
  let echoed = false
  lobbyA.on("typing", () => { echoed = true })
  const typing = step("typing broadcast", ok => lobbyB.on("typing", ok))
  lobbyA.push("typing", {})
  const t = await typing
  check(t.user_id === "1", `typing payload: ${JSON.stringify(t)}`)
  // The sender would have got it at the same time as bob; a round trip on
  // alice's socket after that proves it was not sent.
  await step("push reply", (ok, fail) => lobbyA.push("nope", {}).receive("error", ok).receive("ok", () => fail("ok")))
  check(!echoed, "typing came back to its sender")

  // Members join their room; others are refused with a reason.
  await join(alice, "room:42")
  const refusal = await joinRefused(connect({params: {token: await token("3")}}), "room:42")
  check(refusal.reason === "unauthorized", `refusal: ${JSON.stringify(refusal)}`)

  // Without a token (or with a forged one) the connection is refused.
  for(const params of [{}, {token: "SFMyNTY.forged.token"}]){
    const anon = new Socket(endPoint, {params, reconnectAfterMs: () => 60000, ...transport})
    await step(`connect with ${JSON.stringify(params)} is refused`, (ok, fail) => {
      anon.onOpen(() => fail("connected"))
      anon.onError(() => ok())
      anon.connect()
    })
    anon.disconnect()
  }

  // Heartbeats keep an idle client connected past the server's idle timeout.
  const opens = alice.stats.opens
  await sleep(3500)
  check(alice.isConnected() && alice.stats.opens === opens && alice.stats.closes === 0,
    `idle client lost its connection: ${JSON.stringify(alice.stats)}`)

  // The server disconnects every socket of user 1; the client reconnects
  // and rejoins by itself, and messages flow again.
  const res = await fetch(`${base}/dev/disconnect?user=1`, {method: "POST"})
  check(res.status === 204, `POST /dev/disconnect: ${res.status}`)
  await until("rejoin after disconnect", () => lobbyA.joins >= 2)
  check(alice.stats.closes >= 1 && alice.stats.opens >= 2, `no reconnect: ${JSON.stringify(alice.stats)}`)
  check(bob.stats.closes === 0, "user 2 was disconnected too")
  const again = step("new_msg after rejoin", ok => lobbyA.on("new_msg", ok))
  lobbyB.push("new_msg", {body: "welcome back"})
  check((await again).body === "welcome back", "wrong message after rejoin")

  // Leaving is acknowledged.
  await step("leave", (ok, fail) => lobbyB.leave().receive("ok", ok).receive("error", fail))

  for(const s of [alice, bob]){ s.disconnect() }
  console.log("ok: phoenix client checks passed")
}

main().then(() => process.exit(0), err => {
  console.error("FAIL:", err.message)
  process.exit(1)
})
