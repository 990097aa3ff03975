// The IIFE bundle's entry: exposes window.templive and starts the live views of the
// page, if it has any, once the document is parsed.

import * as templive from "./index.js"
import {provide} from "./cmds.js"
import {COMMANDS_SCRIPT, ROOT_ATTR, UPLOAD_ATTR, UPLOAD_SCRIPT} from "./constants.js"

let w = /** @type {any} */ (window)
let script = /** @type {HTMLScriptElement | null} */ (document.currentScript)
w.templive = templive
/** Imports a module of the client, from next to this script. @param {string} name */
let load = name => import(new URL(name, script ? script.src : location.href).href)
// Client commands are code only some pages need (cmds.js).
provide(() => load(COMMANDS_SCRIPT))

function start() {
  if (!document.querySelector(`[${ROOT_ATTR}]`)) return
  let live = new templive.LiveSocket()
  w.templive.liveSocket = live
  live.connect()
  // Uploads are code only some pages need.
  if (document.querySelector(`[${UPLOAD_ATTR}]`)) {
    load(UPLOAD_SCRIPT).then(m => m.attach(live))
  }
}

document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", start) : start()
