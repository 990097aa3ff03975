// The public API of the client.

export {Socket} from "./socket.js"
export {Channel, Push} from "./channel.js"
export {Presence} from "./presence.js"
export {LiveSocket} from "./live.js"
export {applyPatch} from "./patch.js"
export {applyStreams} from "./stream.js"
export {encode, decode} from "./serializer.js"
