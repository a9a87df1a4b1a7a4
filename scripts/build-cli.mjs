#!/usr/bin/env node
// Second half of the CLI build, run by tsup (onSuccess) after it has written dist/oneiric.cjs:
//   1. installs the loader: scripts/bin-loader.cjs -> dist/bin.cjs (the package's "bin"), plus
//      dist/bin.js, a one-line ES-module shim so that `node dist/bin.js` keeps working;
//   2. produces dist/oneiric.cjs.cache by running representative commands in a scratch directory,
//      so the cache also holds the functions V8 compiles lazily (a cache written right after
//      compiling would hold little more than the top level);
//   3. checks that a start accepts the cache.
// A failed training run only warns (the cache is an optimisation; the loader writes one itself when
// it finds none); a bin that cannot even print --version fails the build.
// Usage: node scripts/build-cli.mjs [--no-cache]
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const dist = path.join(root, "dist")
const bundle = path.join(dist, "oneiric.cjs")
const cacheFile = `${bundle}.cache`
const loader = path.join(dist, "bin.cjs")
const shim = path.join(dist, "bin.js")

/**
 * The commands whose code paths the cache should cover, in order; each adds to the cache. Read
 * commands never create the store, so a write creates it first: `activity` then covers the store's
 * code, as where operators run it.
 */
const TRAINING = [["pause", "--domain", "task", "--key", "code-cache"], ["activity", "--json"], ["--help"]]

const log = (line) => process.stdout.write(`build-cli: ${line}\n`)
const warn = (line) => process.stderr.write(`build-cli: warning: ${line}\n`)

if (!fs.existsSync(bundle)) {
  process.stderr.write(`build-cli: ${path.relative(root, bundle)} is missing; run tsup first\n`)
  process.exit(1)
}

// Two things the loader cannot give a CommonJS bundle. `import.meta`: esbuild turns it into an
// empty object. A dynamic import() (esbuild keeps those of external and built-in modules; bundled
// ones become plain function calls): Node 20 does not restore vm.Script's dynamic-import callback
// from a code cache, so it would throw ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING at run time.
const source = fs.readFileSync(bundle, "utf8")
const dynamicImports = [...new Set(source.match(/\bimport\s*\(\s*["'`][^"'`]*["'`]\s*\)/g) ?? [])]
if (dynamicImports.length > 0) {
  process.stderr.write(
    `build-cli: ${path.relative(root, bundle)} contains ${dynamicImports.join(", ")}; import external and built-in modules statically (or with require)\n`
  )
  process.exit(1)
}
// ASCII only (tsup.config.ts, minifyWhitespace): a single other character makes V8 hold the whole bundle
// as a two-byte string, and every start decode and scan it so.
const nonAscii = /[^\x00-\x7f]/.exec(source)
if (nonAscii !== null) {
  warn(`${path.relative(root, bundle)} is not ASCII (${JSON.stringify(source.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 20))}): starts are slower`)
}
if (/\bimport_meta\d*\b/.test(source)) {
  warn(`${path.relative(root, bundle)} uses import.meta, which is an empty object in CommonJS; check the esbuild warnings`)
}

// 1. The loader, and the shim for `node dist/bin.js`.
fs.copyFileSync(path.join(root, "scripts", "bin-loader.cjs"), loader)
fs.chmodSync(loader, 0o755)
fs.writeFileSync(
  shim,
  "#!/usr/bin/env node\n// `node dist/bin.js` still works; the package's \"bin\" is dist/bin.cjs, which starts faster.\nimport \"./bin.cjs\"\n"
)
fs.chmodSync(shim, 0o755)

// 2. The code cache: start from nothing, so a cache of an older bundle cannot linger.
for (const name of fs.readdirSync(dist)) {
  if (name === path.basename(cacheFile) || (name.startsWith(`${path.basename(cacheFile)}.`) && name.endsWith(".tmp"))) {
    fs.rmSync(path.join(dist, name), { force: true })
  }
}
if (process.argv.includes("--no-cache")) {
  log("loader installed; no code cache (--no-cache): the first start writes one")
  process.exit(0)
}

// The runs must not pick up the builder's own settings (a PostgreSQL store, a settings file...),
// nor its NODE_OPTIONS: V8 rejects a cache made under other V8 flags.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_") && name !== "NODE_OPTIONS")
)
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "oneiric-build-"))
const run = (args, mode) =>
  spawnSync(process.execPath, [loader, ...args], {
    cwd: scratch,
    env: { ...env, ONEIRIC_CODE_CACHE: mode },
    encoding: "utf8",
    timeout: 60_000
  })
const tail = (text) => (text || "").trim().split("\n").slice(-3).join(" | ")

try {
  TRAINING.forEach((args, i) => {
    const result = run(args, i === 0 ? "report" : "write-report")
    if (result.status !== 0) {
      warn(`training run \`oneiric ${args.join(" ")}\` exited ${result.status ?? result.signal}: ${tail(result.stderr)}`)
    }
  })
  if (!fs.existsSync(cacheFile)) warn("no code cache was written; the first start will write one")

  // 3. A start must accept it.
  const check = run(["--version"], "report")
  if (check.status !== 0) {
    process.stderr.write(`build-cli: \`${path.relative(root, loader)} --version\` failed (${check.status ?? check.signal}): ${tail(check.stderr)}\n`)
    process.exitCode = 1
  } else {
    const status = /oneiric code cache: (\w+)/.exec(check.stderr)?.[1] ?? "unknown"
    if (fs.existsSync(cacheFile) && status !== "accepted") warn(`the code cache was ${status} on the check run`)
    const kb = (file) => (fs.existsSync(file) ? `${Math.round(fs.statSync(file).size / 1024)} KB` : "none")
    log(`dist/bin.cjs -> dist/oneiric.cjs (${kb(bundle)}), code cache ${kb(cacheFile)} (${status}, Node ${process.versions.node})`)
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true })
}
