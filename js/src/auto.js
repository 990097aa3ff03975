// The IIFE bundle's entry: exposes window.templive and starts the live views of the
// page, if it has any, once the document is parsed.

import * as templive from "./index.js"
import {ROOT_ATTR} from "./constants.js"

let w = /** @type {any} */ (window)
w.templive = templive

function start() {
  if (!document.querySelector(`[${ROOT_ATTR}]`)) return
  let live = new templive.LiveSocket()
  w.templive.liveSocket = live
  live.connect()
}

document.readyState == "loading" ? document.addEventListener("DOMContentLoaded", start) : start()
