// The ES module bundle's entry: the public API, with the client commands built
// in (the IIFE bundle loads them on demand instead; cmds.js).

import * as commands from "./commands.js"
import {provide} from "./cmds.js"

provide(commands)

export * from "./index.js"
