// Names shared by the modules of the client: Phoenix channel events, wire keys of the
// live view protocol (docs/PROTOCOL.md, "Live views") and the attributes and classes it
// reads. The modules write none of these names out. Three kinds of names stay where
// they are used: the reply statuses of Push.receive ("ok", "error", "timeout", as in
// the phoenix client), DOM event types (which are also the `t` of an event), and the
// history kinds "push" and "replace" (typed as such). Payload keys, which the code
// writes as property names ({t: …}, r.d), are the typedefs at the end, checked by tsc.
//
// The minified bundle has the string and number values written out where they are
// used (js/build.mjs), so a name here costs no bytes.

// Phoenix V2 protocol.
export const VSN = "2.0.0"
/** The path of the WebSocket transport, after the socket's endpoint. */
export const WS_PATH = "/websocket"
/** The path of the long-poll transport, which replaces WS_PATH (longpoll.js). */
export const LONGPOLL_PATH = "/longpoll"
/** The connect param (a URL query parameter) carrying VSN. */
export const VSN_PARAM = "vsn"
/** The WebSocket subprotocol, and the one that carries an auth token after its prefix. */
export const WS_PROTOCOL = "phoenix"
export const AUTH_TOKEN_PROTOCOL = "base64url.bearer.phx."
export const PHOENIX_TOPIC = "phoenix"

export const EV_JOIN = "phx_join"
export const EV_LEAVE = "phx_leave"
export const EV_REPLY = "phx_reply"
export const EV_CLOSE = "phx_close"
export const EV_ERROR = "phx_error"
export const EV_HEARTBEAT = "heartbeat"
/** The events a Presence listens to, unless told others. */
export const EV_PRESENCE_STATE = "presence_state"
export const EV_PRESENCE_DIFF = "presence_diff"

export const CLOSED = "closed"
export const ERRORED = "errored"
export const JOINED = "joined"
export const JOINING = "joining"
export const LEAVING = "leaving"

export const DEFAULT_TIMEOUT = 10000
export const HEARTBEAT_MS = 30000
export const STABLE_MS = 5000
export const RECONNECT_STEPS = [10, 50, 100, 150, 200, 250, 500, 1000, 2000, 5000]
export const REJOIN_STEPS = [1000, 2000, 5000, 10000]
export const WS_CLOSE_NORMAL = 1000

// Live view protocol.
export const LIVE_PATH = "/live"
/** A live root's channel topic is TOPIC_PREFIX + its id. */
export const TOPIC_PREFIX = "lv:"
/** The connect param carrying the CSRF token of the page's <meta name="csrf-token">. */
export const CSRF_PARAM = "_csrf_token"
export const CSRF_META = "meta[name='csrf-token']"
export const RELOAD_KEY = "templive:reload"
export const RELOAD_MIN_MS = 10000
export const FLASH_COOKIE = "_live_flash"

// Attributes and classes.
export const ROOT_ATTR = "data-live-root"
export const SESSION_ATTR = "data-live-session"
/** A root that is not the page's own view joins with this URL (its route) rather than the page's. */
export const URL_ATTR = "data-live-url"
/** A nested view's root names the view it belongs to: it joins after that view. */
export const PARENT_ATTR = "data-live-parent"
/**
 * The prefix of every attribute below. A binding is PREFIX + the type of the event
 * it sends (live-click, live-submit, live-change, live-focus, live-blur,
 * live-keydown, live-keyup), and its value is the event's name.
 */
export const PREFIX = "live-"
export const CLICK_ATTR = "live-click"
export const SUBMIT_ATTR = "live-submit"
export const CHANGE_ATTR = "live-change"
export const FOCUS_ATTR = "live-focus"
export const BLUR_ATTR = "live-blur"
/** live-window-keydown, -keyup, -focus and -blur: WINDOW_PREFIX + the window event's type. */
export const WINDOW_PREFIX = "live-window-"
/** Only this key (KeyboardEvent.key, any case) fires a keydown or keyup binding. */
export const KEY_ATTR = "live-key"
/** Milliseconds, or DEBOUNCE_BLUR: the event waits until the field loses focus. */
export const DEBOUNCE_ATTR = "live-debounce"
export const DEBOUNCE_BLUR = "blur"
export const THROTTLE_ATTR = "live-throttle"
/** The text an element shows, disabled, while its event is in flight. */
export const DISABLE_WITH_ATTR = "live-disable-with"
export const PATCH_ATTR = "live-patch"
export const NAVIGATE_ATTR = "live-navigate"
export const HOOK_ATTR = "live-hook"
/** A click outside the element (and its commands' targets) while it is visible. */
export const CLICK_AWAY_ATTR = "live-click-away"
/** Commands run when the element is added to the page (its view's join, or a patch). */
export const MOUNTED_ATTR = "live-mounted"
/** Commands run when a patch removes the element; it stays until their transitions end. */
export const REMOVE_ATTR = "live-remove"
/** Commands run when the view joins, and when it loses its connection. */
export const CONNECTED_ATTR = "live-connected"
export const DISCONNECTED_ATTR = "live-disconnected"
/** Whose children an element's are: the diff's (the default), or UPDATE_IGNORE, or UPDATE_STREAM. */
export const UPDATE_ATTR = "live-update"
export const UPDATE_IGNORE = "ignore"
export const UPDATE_STREAM = "stream"
/** live-value-<name>="<value>" adds name=value to the values an element sends. */
export const VALUE_PREFIX = "live-value-"
/** A keydown or keyup on an input, textarea or select sends its value under this name. */
export const KEY_VALUE = "value"
/**
 * On a form with live-change: AUTO_RECOVER_IGNORE keeps it out of form recovery;
 * another value names the event a rejoin replays instead (the server reads it from
 * its own render).
 */
export const AUTO_RECOVER_ATTR = "live-auto-recover"
export const AUTO_RECOVER_IGNORE = "ignore"
/** A form a patch gives this attribute is submitted as a plain HTTP form (Phoenix's phx-trigger-action). */
export const TRIGGER_ACTION_ATTR = "live-trigger-action"
/**
 * A component's root element carries its id in COMPONENT_ATTR; an element's events go
 * to the component or view named by the nearest TARGET_ATTR or COMPONENT_ATTR around
 * it, sent as the event's `c` (the server reads `view` as the view itself).
 */
export const COMPONENT_ATTR = "live-component"
export const TARGET_ATTR = "live-target"
export const CONNECTED_CLASS = "live-connected"
export const LOADING_CLASS = "live-loading"
export const ERROR_CLASS = "live-error"
/**
 * After a rejoin that follows a lost connection, the root has RESUMED_CLASS when the
 * server took the view up where it was (its state kept, only what was missed sent), or
 * REMOUNTED_CLASS when it mounted the view anew (form recovery); REJOIN_EVENT is
 * dispatched on the root too, its detail {resumed}.
 */
export const RESUMED_CLASS = "live-resumed"
export const REMOUNTED_CLASS = "live-remounted"
export const REJOIN_EVENT = "templive:rejoin"
/** While an event is in flight its element has the class PREFIX + type + LOADING_SUFFIX. */
export const LOADING_SUFFIX = "-loading"

// Live view events on the channel.
export const EV_EVENT = "event"
export const EV_DIFF = "diff"
export const EV_REDIRECT = "redirect"
export const EV_LIVE_PATCH = "live_patch"
export const EV_LIVE_REDIRECT = "live_redirect"
/** The type (`t`) of an event a hook pushes. */
export const HOOK_TYPE = "hook"
/** The type of an event a command pushes from a binding that is no DOM event, or from the server. */
export const PUSH_TYPE = "push"
/** A server PushEvent is also dispatched on window as EVENT_PREFIX + its name. */
export const EVENT_PREFIX = "templive:"
/** Dispatched on window when navigation or events begin to wait for the server, and when none waits any more. */
export const PAGE_LOADING_START = "templive:page-loading-start"
export const PAGE_LOADING_STOP = "templive:page-loading-stop"
/** The time of a transition that gives none (ms). */
export const TRANSITION_MS = 200

/** Reasons of a refused join (or live_patch). */
export const REASON_REDIRECT = "redirect"
export const REASON_NAVIGATE = "navigate"
export const REASON_STALE = "stale"
export const REASON_UNAUTHORIZED = "unauthorized"
/** A join past the connection's event rate: retried with backoff, never a reload. */
export const REASON_RATE_LIMITED = "rate limited"
/** A nested view the server no longer keeps: left as it is, never retried. */
export const REASON_GONE = "gone"

// Patch operations, [code, path, args...] (docs/PROTOCOL.md, "The patch format"): path is a
// list of child indices (DOM childNodes) from the view root.
export const OP_TEXT = 0 // [0, path, text]: set the data of a text or comment node
export const OP_SET_ATTR = 1 // [1, path, name, value]
export const OP_REMOVE_ATTR = 2 // [2, path, name]
export const OP_INSERT = 3 // [3, path, html]: parse in the parent's context, insert at the index
export const OP_REMOVE = 4 // [4, path, count?]: remove count (default 1) siblings
export const OP_MOVE = 5 // [5, path, to]: take the node out, put it back at index `to`
export const OP_REPLACE = 6 // [6, path, html]: replace the node with the parsed nodes
export const OP_SPLICE = 7 // [7, path, offset, count, text]: replace count UTF-16 units of a text at offset

// Stream operations (docs/PROTOCOL.md, "Streams").
export const STREAM_INSERT = "i" // ["i", container, id, at, html]: insert or replace the item
export const STREAM_DELETE = "d" // ["d", container, id]
export const STREAM_RESET = "r" // ["r", container]: remove every item
export const STREAM_LIMIT = "l" // ["l", container, n]: keep the first n items (the last -n when negative)

// Payloads of the live view protocol, by their keys.

/**
 * The payload of phx_join on TOPIC_PREFIX + id; `v`, to resume, is the version of the
 * last render applied.
 * @typedef {{session: string, url: string, form?: Record<string, string>, flash?: string, v?: number}} JoinPayload
 */
/**
 * A join's ok reply: the version it brings the view to, and the whole HTML, or (no
 * html: resumed) the renders the view missed.
 * @typedef {{v: number, html?: string, m?: Reply[], title?: string}} Joined
 */
/** A join's error reply. @typedef {{reason?: string, to?: string, flash?: string}} Refusal */
/**
 * The payload of EV_EVENT: type, name, url-encoded values (any JSON for a hook),
 * key, field name, element id, target component, sequence number. Empty keys are left out.
 * @typedef {{t: string, e?: string, v?: any, k?: string, f?: string, el?: string, c?: string, q?: number}} EventPayload
 */
/** The payload of EV_LIVE_PATCH sent by the client. @typedef {{url: string}} LivePatchPayload */
/**
 * An event's ok reply, or an EV_DIFF push: patch, stream operations, hook reply,
 * events pushed to hooks, client command lists to run, title.
 * @typedef {{d?: any[], s?: any[][], r?: any, ev?: [string, any][], x?: any[][], title?: string}} Reply
 */
/** The payload of an EV_REDIRECT push. @typedef {{to: string, flash?: string}} Redirect */
/** The payload of EV_LIVE_PATCH and EV_LIVE_REDIRECT pushes. @typedef {{to: string, kind: "push" | "replace", flash?: string}} LiveRedirect */
/**
 * The arguments of a client command [op, args] (docs/PROTOCOL.md, "Client commands"):
 * target selector, transition [start, active, end, ms] (and Toggle's when hiding),
 * classes, attribute name and value (or a push's url-encoded values), event name and
 * detail, URL, attribute names, milliseconds.
 * Each is set where its command has it.
 * @typedef {{to: string, tr: Tr, out: Tr, names: string, name: string, value: string, event: string,
 *   detail: any, href: string, attrs: string[], ms: number}} CommandArgs
 * @typedef {[string, string, string, number]} Tr
 */

/** Uploads (upload.js, loaded on demand by pages with UPLOAD_ATTR). */
export const UPLOAD_ATTR = "live-upload"
export const DROP_ATTR = "live-drop-target"
export const PREVIEW_ATTR = "live-img-preview"
export const UPLOAD_TOPIC_PREFIX = "lvu:"
export const EV_ALLOW_UPLOAD = "allow_upload"
export const EV_CHUNK = "chunk"
export const EV_UPLOAD_PROGRESS = "upload_progress"
/** The refusal of a chunk or a progress report for an entry that is gone (cancelled). */
export const REASON_UPLOAD_UNKNOWN = "unknown upload"
/** An external upload reports its progress at most this often (ms), and on 5 % steps only. */
export const UPLOAD_PROGRESS_INTERVAL = 250
/** The upload module, next to the client script. */
export const UPLOAD_SCRIPT = "templive-upload.js"
/** The client commands module (commands.js, loaded on demand by cmds.js), next to the client script. */
export const COMMANDS_SCRIPT = "templive-commands.js"

/** The long-poll module (longpoll.js), next to the client script. */
export const LONGPOLL_SCRIPT = "templive-longpoll.js"
/** Set in sessionStorage once a WebSocket could not connect: the tab's later pages use long-poll. */
export const LONGPOLL_KEY = "templive:longpoll"
/** How long the first WebSocket may take to open before the client falls back to long-poll (ms). */
export const FALLBACK_MS = 2500
