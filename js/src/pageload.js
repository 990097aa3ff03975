// Full page loads, for when a live view cannot go on over the socket: the server
// sent the browser elsewhere, or keeps refusing the view.

import {FLASH_COOKIE, RELOAD_KEY, RELOAD_MIN_MS} from "./constants.js"

/**
 * Loads `url` for good, but never more often than once per RELOAD_MIN_MS, so a view
 * whose server keeps refusing it does not reload in a loop.
 * @param {string} url
 */
export function reload(url) {
  let last = Number(sessionStorage.getItem(RELOAD_KEY)) || 0
  let wait = last + RELOAD_MIN_MS - Date.now()
  setTimeout(() => {
    sessionStorage.setItem(RELOAD_KEY, String(Date.now()))
    url == location.href ? location.reload() : location.assign(url)
  }, Math.max(0, wait))
}

/**
 * A full page load of `to`. A flash travels in a short-lived cookie the next
 * page's GET reads (and clears).
 * @param {string} to
 * @param {string} [flash]
 */
export function redirect(to, flash) {
  if (flash) document.cookie = `${FLASH_COOKIE}=${flash}; path=/; max-age=60; samesite=lax`
  location.href = to
  return true
}
