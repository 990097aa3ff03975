// The IIFE bundle's entry: exposes window.templive and starts the live views of the
// page, if it has any, once the document is parsed.

import * as templive from "./index.js"
import {ROOT_ATTR, UPLOAD_ATTR, UPLOAD_SCRIPT} from "./constants.js"

let w = /** @type {any} */ (window)
let script = /** @type {HTMLScriptElement | null} */ (document.currentScript)
w.templive = templive

function start() {
  if (!document.querySelector(`[${ROOT_ATTR}]`)) return
  let live = new templive.LiveSocket()
  w.templive.liveSocket = live
  live.connect()
  // Uploads are code only some pages need: loaded from next to this script.
  if (document.querySelector(`[${UPLOAD_ATTR}]`)) {
    import(new URL(UPLOAD_SCRIPT, script ? script.src : location.href).href).then(m => m.attach(live))
  }
}

document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", start) : start()
