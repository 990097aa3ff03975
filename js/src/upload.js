// Uploads, loaded on demand by pages with a [live-upload] input (see auto.js):
// announces chosen or dropped files to the view (allow_upload), shows image
// previews from object URLs, sends each accepted file in chunks over its own
// lvu:<ref> channel, one chunk per ack, and resumes from the server's offset
// when the connection drops (docs/PROTOCOL.md, "Uploads").

import {DROP_ATTR, EV_ALLOW_UPLOAD, EV_CHUNK, PREVIEW_ATTR, UPLOAD_ATTR, UPLOAD_TOPIC_PREFIX} from "./constants.js"
import {uploadExternal} from "./upload_external.js"

/** @typedef {import("./live.js").LiveSocket} LiveSocket */
/** @typedef {import("./view.js").View} View */
/** @typedef {{ref: string, token?: string, offset?: number, errors?: string[], external?: any}} Allowed */

/** Files sent at once per upload. */
const PARALLEL = 3
let refs = 0

/**
 * Starts handling the uploads of the page's views.
 * @param {LiveSocket} live
 */
export function attach(live) {
  let viewOf = (/** @type {Element} */ el) => live.viewOf(el)
  let picked = (/** @type {HTMLInputElement} */ input, min = 0) => {
    let name = input.getAttribute && input.getAttribute(UPLOAD_ATTR)
    let view = name && viewOf(input)
    if (view && input.files && input.files.length >= min) choose(view, /** @type {string} */ (name), [...input.files], input)
  }
  document.addEventListener("change", e => picked(/** @type {HTMLInputElement} */ (e.target)))
  // Files chosen while this module was loading.
  document.querySelectorAll(`input[${UPLOAD_ATTR}]`).forEach(i => picked(/** @type {HTMLInputElement} */ (i), 1))
  document.addEventListener("dragover", e => {
    if (dropTarget(e)) e.preventDefault()
  })
  // Images pasted into a drop target (or an input in one) are chosen for its upload.
  document.addEventListener("paste", e => {
    let el = dropTarget(e)
    let files = e.clipboardData ? [...e.clipboardData.files] : []
    let view = el && files.length && viewOf(el)
    if (!el || !view) return
    e.preventDefault()
    choose(view, el.getAttribute(DROP_ATTR) || "", files, null)
  })
  document.addEventListener("drop", e => {
    let el = dropTarget(e)
    let view = el && viewOf(el)
    if (!el || !view || !e.dataTransfer) return
    e.preventDefault()
    choose(view, el.getAttribute(DROP_ATTR) || "", [...e.dataTransfer.files], null)
  })
  // A form with files not sent yet (not auto-uploaded) sends them, then submits.
  window.addEventListener("submit", e => {
    let form = /** @type {HTMLFormElement} */ (e.target)
    let pending = [...pendingUploads].filter(u => u.input && form.contains(u.input))
    if (!pending.length) return
    e.preventDefault()
    e.stopImmediatePropagation()
    Promise.all(pending.map(u => u.start())).then(() => form.requestSubmit())
  }, true)
}

/** @param {Event} e */
function dropTarget(e) {
  let el = /** @type {Element | null} */ (e.target)
  return el && el.closest ? el.closest(`[${DROP_ATTR}]`) : null
}

/** @type {Set<Upload>} */
const pendingUploads = new Set()

/**
 * Announces files for the upload name of view and, once the server has judged
 * them, shows previews and starts (or, on submit, will start) the accepted ones.
 * @param {View} view
 * @param {string} name
 * @param {File[]} files
 * @param {HTMLInputElement | null} input
 */
function choose(view, name, files, input) {
  let entries = files.map(f => ({ref: String(refs++), name: f.name, type: f.type, size: f.size, file: f}))
  new Upload(view, name, entries, input).announce()
}

class Upload {
  /**
   * @param {View} view
   * @param {string} name
   * @param {{ref: string, name: string, type: string, size: number, file: File}[]} entries
   * @param {HTMLInputElement | null} input
   */
  constructor(view, name, entries, input) {
    this.view = view
    this.name = name
    this.entries = entries
    this.input = input
    /** @type {Allowed[]} */
    this.allowed = []
    this.chunk = 65536
    /** @type {Promise<void> | null} */
    this.started = null
  }

  /** Sends allow_upload; resolves with the server's verdict, applied to the page. */
  announce() {
    let metas = this.entries.map(({file, ...m}) => m)
    return this.view.pushEvent(null, "", {name: this.name, entries: metas}, EV_ALLOW_UPLOAD).then(r => {
      this.chunk = r.chunk
      this.allowed = r.entries
      for (let e of this.entries) {
        let img = this.view.root.querySelector(`img[${PREVIEW_ATTR}="${e.ref}"]`)
        if (img && !img.getAttribute("src")) img.setAttribute("src", URL.createObjectURL(e.file))
      }
      if (r.auto) this.start()
      else pendingUploads.add(this)
    })
  }

  /** Sends every accepted entry, PARALLEL at a time. */
  start() {
    pendingUploads.delete(this)
    if (this.started) return this.started
    let queue = this.allowed.filter(a => a.token || a.external)
    /** @returns {Promise<void>} */
    let next = () => {
      let a = queue.shift()
      if (!a) return Promise.resolve()
      let e = this.entries.find(e => e.ref == a.ref)
      if (!e) return next()
      return (a.external ? uploadExternal(this.view, this.name, a.ref, e.file, a.external) : this.send(e.file, a)).then(next, next)
    }
    return this.started = Promise.all(Array.from({length: PARALLEL}, next)).then(() => {})
  }

  /**
   * Sends one file from the offset the server holds, a chunk per ack. When the
   * connection drops, the view announces the file again once it has rejoined and
   * goes on from the offset the server answers with.
   * @param {File} file
   * @param {Allowed} a
   * @returns {Promise<void>}
   */
  send(file, a) {
    return new Promise((resolve, reject) => {
      let chan = this.view.live.socket.channel(UPLOAD_TOPIC_PREFIX + a.ref, {token: a.token})
      let over = false
      let stop = (/** @type {any} */ err = null) => { over = true; chan.leave(); err ? reject(err) : resolve() }
      let resume = () => {
        if (over) return
        over = true
        chan.leave()
        this.view.pushEvent(null, "", {name: this.name, entries: [{ref: a.ref, name: file.name, type: file.type, size: file.size}]}, EV_ALLOW_UPLOAD)
          .then(r => {
            let b = r.entries[0]
            b && b.token ? this.send(file, b).then(resolve, reject) : reject(new Error("upload lost"))
          }, reject)
      }
      let put = (/** @type {number} */ off) => {
        if (off >= file.size) return stop()
        file.slice(off, off + this.chunk).arrayBuffer().then(data => {
          let buf = new Uint8Array(8 + data.byteLength)
          new DataView(buf.buffer).setBigUint64(0, BigInt(off))
          buf.set(new Uint8Array(data), 8)
          chan.push(EV_CHUNK, buf.buffer, 30000)
            .receive("ok", r => put(r.offset))
            .receive("error", r => stop(new Error(r && r.reason)))
            .receive("timeout", resume)
        })
      }
      let joined = false
      chan.onError(() => joined && resume())
      chan.join()
        .receive("ok", r => { joined = true; put(r.offset) })
        .receive("error", r => stop(new Error(r && r.reason)))
        .receive("timeout", resume)
    })
  }
}
