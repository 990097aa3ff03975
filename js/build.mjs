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

const BUDGET = 10 * 1024
const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, "src")
const dist = join(here, "dist")

const banner = "/* templive client, built by js/build.mjs from js/src; do not edit. */"

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
  })
  return out.outputFiles[0].text
}

const outputs = {
  "templive.min.js": await bundle("auto.js", "iife", true),
  "templive.esm.js": await bundle("index.js", "esm", false),
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
}

process.exit(failed ? 1 : 0)
