// The IIFE bundle's entry: exposes window.templive and starts the live views of the
// page, if it has any, once the document is parsed.

import * as templive from "./index.js"
import {provide} from "./cmds.js"
import {COMMANDS_SCRIPT, DROP_ATTR, LONGPOLL_KEY, LONGPOLL_SCRIPT, ROOT_ATTR, UPLOAD_ATTR, UPLOAD_SCRIPT} from "./constants.js"

let w = /** @type {any} */ (window)
let script = /** @type {HTMLScriptElement | null} */ (document.currentScript)
w.templive = templive
/** Imports a module of the client, from next to this script. @param {string} name */
let load = name => import(new URL(name, script ? script.src : location.href).href)
// Client commands are code only some pages need (cmds.js).
provide(() => load(COMMANDS_SCRIPT))
/** The long-poll transport, loaded on demand. */
let longPoll = () => load(LONGPOLL_SCRIPT).then(m => m.LongPoll)
/** Where the tab remembers that it fell back; a sandboxed frame may have no sessionStorage. */
/** @type {any} */
let store = {}
try { store = sessionStorage } catch {}

function start() {
  if (!document.querySelector(`[${ROOT_ATTR}]`)) return
  // When the WebSocket does not open in time, the tab goes on over long-poll
  // (unless it opened while the module loaded)
  let live = new templive.LiveSocket({
    fallback: s => longPoll().then(t => { if (s.fallback) store[LONGPOLL_KEY] = 1, s.useTransport(t) }),
  })
  w.templive.liveSocket = live
  store[LONGPOLL_KEY] ? longPoll().then(t => { live.socket.useTransport(t); live.connect() }) : live.connect()
  // Uploads are code only some pages need: loaded once the document has a file
  // input or drop target, when the page loads or whenever a render or a live
  // navigation brings the first one.
  let watch = new MutationObserver(uploads)
  function uploads() {
    if (document.querySelector(`[${UPLOAD_ATTR}],[${DROP_ATTR}]`)) watch.disconnect(), load(UPLOAD_SCRIPT).then(m => m.attach(live))
  }
  watch.observe(document, {childList: true, subtree: true, attributes: true})
  uploads()
}

document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", start) : start()
