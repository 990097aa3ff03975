// Builds the client bundles into js/dist.
//
//   node js/build.mjs          write js/dist/templive.min.js and js/dist/templive.esm.js
//   node js/build.mjs --check  fail when the committed bundles differ from a fresh build
//   node js/build.mjs --size   print the minified + gzip size; fail over the budget

import {build} from "esbuild"
import {readFile, writeFile, mkdir} from "node:fs/promises"
import {gzipSync} from "node:zlib"
import {dirname, join} from "node:path"
import {fileURLToPath} from "node:url"

// The wave-2 budget: every feature the script every live page loads (components,
// resume, the fallback transport) fits in 12 KB; code only some pages need
// (uploads, client commands) is loaded on demand.
const BUDGET = 12 * 1024
const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, "src")
const dist = join(here, "dist")

const banner = "/* templive client, built by js/build.mjs from js/src; do not edit. */"

// esbuild does not inline an imported const, so in the minified bundle each name of
// js/src/constants.js would cost a variable. There, its string and number constants
// are defined instead (esbuild writes their values where the modules use them) and
// dropped from the modules' imports of constants.js. The ES module bundle keeps them
// as they are in the source.
const constants = await import(join(src, "constants.js"))
const inlined = Object.keys(constants).filter(k => ["string", "number"].includes(typeof constants[k]))
const define = Object.fromEntries(inlined.map(k => [k, JSON.stringify(constants[k])]))
const importConstants = /^import\s*\{([^}]*)\}\s*from\s*"\.\/constants\.js"\s*$/m
const inlineConstants = {
  name: "inline-constants",
  setup(b) {
    b.onLoad({filter: /\.js$/}, async args => {
      let text = await readFile(args.path, "utf8")
      let n = text.match(/from\s*["']\.\/constants\.js["']/g)?.length || 0
      if (!n) return {contents: text, loader: "js"}
      let m = text.match(importConstants)
      if (n > 1 || !m) throw new Error(`${args.path}: import constants.js once, as import {...} from "./constants.js"`)
      let kept = m[1].split(",").map(s => s.trim()).filter(k => k && !inlined.includes(k))
      let imp = kept.length ? `import {${kept.join(", ")}} from "./constants.js"` : ""
      return {contents: text.replace(importConstants, imp), loader: "js"}
    })
  },
}

async function bundle(entry, format, minify) {
  let out = await build({
    entryPoints: [join(src, entry)],
    bundle: true,
    format,
    minify,
    target: "es2022",
    write: false,
    legalComments: "none",
    banner: {js: banner},
    logLevel: "error",
    ...(minify ? {define, plugins: [inlineConstants]} : {}),
  })
  return out.outputFiles[0].text
}

const outputs = {
  "templive.min.js": await bundle("auto.js", "iife", true),
  "templive.esm.js": await bundle("esm.js", "esm", false),
  // Loaded by templive.min.js with import() on pages with [live-upload] only.
  "templive-upload.min.js": await bundle("upload.js", "esm", true),
  // Loaded by templive.min.js with import() on pages with client commands only (cmds.js).
  "templive-commands.min.js": await bundle("commands.js", "esm", true),
  // Loaded by templive.min.js with import() when a WebSocket could not connect.
  "templive-longpoll.min.js": await bundle("longpoll.js", "esm", true),
}
// The budgets of the modules loaded on demand, gzip.
const MODULE_BUDGETS = {
  "templive-upload.min.js": 3 * 1024,
  "templive-commands.min.js": 3 * 1024,
  "templive-longpoll.min.js": 1024,
}

const args = process.argv.slice(2)
let failed = false

if (args.includes("--check")) {
  for (let [name, text] of Object.entries(outputs)) {
    let committed = await readFile(join(dist, name), "utf8").catch(() => "")
    if (committed !== text) {
      console.error(`js/dist/${name} is stale: run "npm run build" and commit js/dist`)
      failed = true
    }
  }
} else {
  await mkdir(dist, {recursive: true})
  for (let [name, text] of Object.entries(outputs)) await writeFile(join(dist, name), text)
}

if (args.includes("--size")) {
  let min = Buffer.from(outputs["templive.min.js"])
  let gz = gzipSync(min, {level: 9}).length
  console.log(`templive.min.js: ${min.length} bytes minified, ${gz} bytes gzip (budget ${BUDGET})`)
  if (gz > BUDGET) {
    console.error(`over budget by ${gz - BUDGET} bytes`)
    failed = true
  }
  for (let [name, budget] of Object.entries(MODULE_BUDGETS)) {
    let m = Buffer.from(outputs[name])
    let mGz = gzipSync(m, {level: 9}).length
    console.log(`${name}: ${m.length} bytes minified, ${mGz} bytes gzip (budget ${budget})`)
    if (mGz > budget) {
      console.error(`${name} over budget by ${mGz - budget} bytes`)
      failed = true
    }
  }
}

process.exit(failed ? 1 : 0)
