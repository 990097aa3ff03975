// The long-poll transport: a WebSocket look-alike over HTTP for networks that block
// WebSockets, speaking the protocol of the phoenix client's LongPoll (docs/PROTOCOL.md,
// "Long-poll"). Socket uses it as it would a WebSocket. The IIFE bundle loads this
// module on demand (templive-longpoll.js, next to it) when a WebSocket could not
// connect, so that pages on other networks never load it.

import {LONGPOLL_PATH, WS_PATH} from "./constants.js"

/** Most frames in one POST, as the phoenix client sends. */
const MAX_BATCH = 100

export class LongPoll {
  /** @param {string} url the WebSocket URL Socket would open: ws(s)://host/live/websocket?params */
  constructor(url) {
    this.url = url.replace(/^ws/, "http").replace(WS_PATH + "?", LONGPOLL_PATH + "?")
    this.token = ""
    /** 0 connecting, 1 open, 3 closed, as WebSocket.readyState. */
    this.readyState = 0
    /** Frames waiting for the POST in flight to end. @type {string[]} */
    this.out = []
    this.posting = false
    this.ctrl = new AbortController()
    /** @type {(() => void) | null} */ this.onopen = null
    /** @type {((e: any) => void) | null} */ this.onerror = null
    /** @type {((e: {data: string}) => void) | null} */ this.onmessage = null
    /** @type {((e: {code: number, reason: string}) => void) | null} */ this.onclose = null
    // The caller sets the handlers first, as for a WebSocket.
    setTimeout(() => this.poll())
  }

  /**
   * One request of the session; resolves with the JSON answer.
   * @param {string} method @param {string} [body]
   */
  async req(method, body) {
    let u = this.token ? this.url + "&token=" + encodeURIComponent(this.token) : this.url
    let r = await fetch(u, {method, body, signal: this.ctrl.signal, headers: body ? {"content-type": "application/x-ndjson"} : {}})
    return r.json()
  }

  async poll() {
    while (this.readyState < 2) {
      let a
      try {
        a = await this.req("GET")
      } catch (e) {
        return this.end(1006, "")
      }
      if (this.readyState > 1) return
      let s = a.status
      // 410 opens a session, or says that this one has ended, and why.
      if (s == 410 && this.token) return this.end(a.code || 1006, a.reason || "")
      this.token = a.token || this.token
      if (s == 410) {
        this.readyState = 1
        this.onopen && this.onopen()
      } else if (s == 200) {
        for (let data of a.messages) this.readyState == 1 && this.onmessage && this.onmessage({data})
      } else if (s != 204) {
        this.onerror && this.onerror(s)
        return this.end(s == 403 ? 1008 : 1011, "")
      }
    }
  }

  /** Sends a frame; frames sent while a POST is in flight go in the next. @param {string | ArrayBuffer} data */
  send(data) {
    if (typeof data != "string") {
      let s = ""
      for (let b of new Uint8Array(data)) s += String.fromCharCode(b)
      data = btoa(s)
    }
    this.out.push(data)
    this.posting || this.flush()
  }

  async flush() {
    this.posting = true
    while (this.out.length && this.readyState == 1) {
      let batch = this.out.splice(0, MAX_BATCH)
      try {
        let a = await this.req("POST", batch.join("\n"))
        if (a.status != 200) return this.end(1006, "")
      } catch (e) {
        return this.end(1006, "")
      }
    }
    this.posting = false
  }

  /** @param {number} [code] @param {string} [reason] */
  close(code, reason) {
    this.end(code || 1000, reason || "")
  }

  /** Ends the session here: stops polling and posting, and reports the close. @param {number} code @param {string} reason */
  end(code, reason) {
    if (this.readyState == 3) return
    this.readyState = 3
    this.out = []
    this.ctrl.abort()
    this.onclose && this.onclose({code, reason})
  }
}
