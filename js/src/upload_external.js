// External uploads (part of the upload module): the file goes straight to the
// storage the view's target names — a presigned PUT URL, or a POST form with its
// fields (docs/PROTOCOL.md, "Uploads") — with XMLHttpRequest, whose upload events
// give the progress. The view hears of it at a bounded rate: on 5 % steps at most
// every UPLOAD_PROGRESS_INTERVAL ms, then once at the end (100, or the error).
// A report refused as "unknown upload" means the entry was cancelled, and the
// request is aborted — unless the view rejoined meanwhile: the remounted view lost
// the entry, which the file is announced again for, while the request goes on. A
// report the connection lost is sent again once it is back.

import {EV_ALLOW_UPLOAD, EV_UPLOAD_PROGRESS, REASON_UPLOAD_UNKNOWN, UPLOAD_PROGRESS_INTERVAL} from "./constants.js"

/** @typedef {import("./view.js").View} View */
/**
 * An external upload's target, as the server's live.UploadTarget. `uploader` names
 * a function of window.templiveUploaders that uploads instead of the built-in one.
 * @typedef {{url: string, method?: string, headers?: Record<string, string>,
 *   fields?: Record<string, string>, uploader?: string}} Target
 * @typedef {(target: Target, file: File, progress: (percent: number) => void,
 *   keep: (xhr: XMLHttpRequest) => void) => Promise<any>} Uploader
 */

/**
 * Uploads file, the entry ref of the upload name, to target and reports to view.
 * Resolves once the view has been told how it ended.
 * @param {View} view
 * @param {string} name
 * @param {string} ref
 * @param {File} file
 * @param {Target} target
 * @returns {Promise<void>}
 */
export function uploadExternal(view, name, ref, file, target) {
  let sent = 0, last = 0, over = false, joins = view.joins, tries = 0
  /** @type {XMLHttpRequest | null} */
  let xhr = null
  let announce = () => view.pushEvent(null, "", {name, entries: [{ref, name: file.name, type: file.type, size: file.size}]}, EV_ALLOW_UPLOAD)
  /** @returns {Promise<any>} */
  let report = (/** @type {number} */ progress, /** @type {string} */ error = "", end = false) =>
    view.pushEvent(null, "", {name, ref, progress, error}, EV_UPLOAD_PROGRESS).catch(e => {
      if (e.message == REASON_UPLOAD_UNKNOWN && view.joins == joins) {
        over = true
        xhr && xhr.abort()
      } else if (end && ++tries <= 60) {
        // The end must be heard: again once the connection is back, after
        // announcing the file again to a view that rejoined.
        return new Promise(r => setTimeout(r, 1000))
          .then(() => { if (view.joins != joins) return announce().then(() => { joins = view.joins }) })
          .then(() => report(progress, error, end), () => report(progress, error, end))
      }
    })
  let progress = (/** @type {number} */ pct) => {
    // 100 is said once the storage has answered, not when the last byte left.
    pct = Math.min(95, pct - pct % 5)
    let now = Date.now()
    if (over || pct <= sent || now - last < UPLOAD_PROGRESS_INTERVAL) return
    sent = pct
    last = now
    report(pct)
  }
  let custom = target.uploader && /** @type {any} */ (window).templiveUploaders
  /** @type {Uploader} */
  let up = custom && custom[/** @type {string} */ (target.uploader)] || send
  return Promise.resolve()
    .then(() => up(target, file, progress, x => xhr = x))
    .then(() => report(100, "", true), e => over || report(sent, String(e && e.message || e), true))
    .then(() => { over = true })
}

/**
 * The built-in uploader.
 * @param {Target} t
 * @param {File} file
 * @param {(percent: number) => void} progress
 * @param {(xhr: XMLHttpRequest) => void} keep is given the request, to abort it
 * @returns {Promise<void>}
 */
function send(t, file, progress, keep) {
  return new Promise((resolve, reject) => {
    let xhr = new XMLHttpRequest()
    keep(xhr)
    /** @type {Blob | FormData} */
    let body = file
    xhr.open(t.method || "PUT", t.url)
    if (t.fields) {
      let form = new FormData()
      for (let k in t.fields) form.append(k, t.fields[k])
      form.append("file", file)
      body = form
    }
    for (let k in t.headers) xhr.setRequestHeader(k, t.headers[k])
    xhr.upload.onprogress = e => e.lengthComputable && progress(Math.floor(e.loaded * 100 / e.total))
    xhr.onload = () => xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error("status " + xhr.status))
    xhr.onerror = () => reject(new Error("network error"))
    xhr.onabort = () => reject(new Error("aborted"))
    xhr.send(body)
  })
}
