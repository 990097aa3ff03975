// Names shared by the modules of the client: Phoenix channel events, wire keys of the
// live view protocol (docs/PROTOCOL.md, "Live views") and the attributes and classes it reads.

export const VSN = "2.0.0"
export const PHOENIX_TOPIC = "phoenix"

export const EV_JOIN = "phx_join"
export const EV_LEAVE = "phx_leave"
export const EV_REPLY = "phx_reply"
export const EV_CLOSE = "phx_close"
export const EV_ERROR = "phx_error"
export const EV_HEARTBEAT = "heartbeat"

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
export const PREFIX = "live-"
export const ROOT_ATTR = "data-live-root"
export const SESSION_ATTR = "data-live-session"
export const HOOK_ATTR = "live-hook"
export const UPDATE_ATTR = "live-update"
export const VALUE_PREFIX = "live-value-"
export const CONNECTED_CLASS = "live-connected"
export const LOADING_CLASS = "live-loading"
export const ERROR_CLASS = "live-error"
export const RELOAD_KEY = "templive:reload"
export const RELOAD_MIN_MS = 10000
export const FLASH_COOKIE = "_live_flash"

// Live view events on the channel.
export const EV_EVENT = "event"
export const EV_DIFF = "diff"
export const EV_REDIRECT = "redirect"
export const EV_LIVE_PATCH = "live_patch"
export const EV_LIVE_REDIRECT = "live_redirect"
