// Package js embeds templive's browser client so Go programs serve it without npm.
//
// The client's sources are the ES modules in js/src; js/build.mjs bundles them
// into js/dist, which is committed. [Bundle] is js/dist/templive.min.js: on a page
// with [data-live-root] elements it connects to the live socket and joins each
// view by itself, and it exposes window.templive (the Channels API, Presence,
// LiveSocket) for other scripts. The live runtime serves it at /live/templive.js
// with [Handler].
//
// # Checks
//
// The tests of this package fail when js/dist is not a fresh build of js/src, when
// the bundle is over its budget (12 KB minified and gzipped), or when the JSDoc
// types do not check. They run the client's unit tests with node, and its
// browser tests in Chromium (see internal/browsertest). They need `npm ci`.
package js
