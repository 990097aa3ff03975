// Page loads: full ones, for when a live view cannot go on over the socket (the
// server sent the browser elsewhere, or keeps refusing the view), and the
// page-loading DOM events around the waits for the server a progress bar shows.

import {FLASH_COOKIE, PAGE_LOADING_START, PAGE_LOADING_STOP, RELOAD_KEY, RELOAD_MIN_MS} from "./constants.js"

/** Waits for the server under way: joins, navigations, events. */
let waits = 0

/**
 * Starts a wait for the server: the first of overlapping waits dispatches
 * PAGE_LOADING_START on window, with {kind} as its detail, and the end of the last
 * PAGE_LOADING_STOP. Returns the function that ends it, which may be called again.
 * @param {string} kind "join", "event"
 */
export function pageLoading(kind) {
  let on = true
  if (!waits++) dispatchEvent(new CustomEvent(PAGE_LOADING_START, {detail: {kind}}))
  return () => {
    if (on && !(on = false) && !--waits) dispatchEvent(new CustomEvent(PAGE_LOADING_STOP, {detail: {kind}}))
  }
}

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
