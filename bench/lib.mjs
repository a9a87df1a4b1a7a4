// Shared helpers of the supervisor-*, gate-* and store-* benchmarks (not a benchmark itself).
//
// Every benchmark imports the library build (dist/index.js, `npx tsup`) and effect's deep modules, measures a
// baseline in the same run, prints a table (or one JSON object with --json) and exits 0 whatever the verdict.
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as ManagedRuntime from "effect/ManagedRuntime"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import v8 from "node:v8"
import vm from "node:vm"

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
/** The library build; `BENCH_DIST=/path/to/index.js` points the benchmarks at another build (A/B comparisons). */
export const distEntry = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(root, "dist", "index.js")

/** The library build; a clear message instead of a stack when it is missing. */
export const loadLibrary = async () => {
  if (!fs.existsSync(distEntry)) {
    process.stderr.write(`bench: ${distEntry} is missing; build it first with \`npx tsup\`\n`)
    process.exit(2)
  }
  return import(pathToFileURL(distEntry).href)
}

/**
 * `BENCH_QUICK_SCALE` (0 < s <= 1; bench/run.mjs sets it so that the whole `--quick` run fits its 60 s budget):
 * `quickValue(value, min)` scales a --quick repetition count or duration down, never below `min`. Full runs and key
 * counts are never scaled; the scripts report the counts they used.
 */
export const quickScale = (() => {
  const s = Number(process.env.BENCH_QUICK_SCALE)
  return s > 0 && s <= 1 ? s : 1
})()
export const quickValue = (value, min) => Math.max(min, Math.round(value * quickScale))

/** `--quick`, `--json` and any `--name value` pairs the caller declares. */
export const parseArgs = (usage, valued = []) => {
  const argv = process.argv.slice(2)
  const flags = { quick: false, json: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--quick") flags.quick = true
    else if (arg === "--json") flags.json = true
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(usage + "\n")
      process.exit(0)
    } else if (valued.includes(arg) && argv[i + 1] !== undefined) flags[arg.slice(2)] = argv[++i]
    else {
      process.stderr.write(`unknown argument ${arg}\n${usage}\n`)
      process.exit(2)
    }
  }
  return flags
}

// ---------------------------------------------------------------------------------------------------- statistics

/** Nearest-rank percentile (0–100) of an unsorted array. */
export const percentile = (values, p) => {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}
export const median = (values) => percentile(values, 50)

export const summary = (values) => ({
  n: values.length,
  min: percentile(values, 0),
  p50: percentile(values, 50),
  p90: percentile(values, 90),
  p99: percentile(values, 99),
  max: percentile(values, 100)
})

/** Rounds for JSON output (keeps 4 significant decimals). */
export const round = (x, digits = 4) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x === Infinity ? "Infinity" : null)

export const fmt = (x, digits = 3) => {
  if (x === undefined || x === null) return "-"
  if (typeof x === "string") return x
  if (!Number.isFinite(x)) return String(x)
  const abs = Math.abs(x)
  if (Number.isInteger(x) && abs < 1e7) return x.toLocaleString("en-US")
  if (abs >= 1e6) return x.toExponential(2)
  if (abs >= 1000) return Math.round(x).toLocaleString("en-US")
  if (abs >= 100) return x.toFixed(1)
  return x.toFixed(digits)
}

/** `value <= target` (or `>=` with `higherIsBetter`) → PASS / FAIL; `-` when there is no target. */
export const verdict = (value, target, higherIsBetter = false) => {
  if (target === undefined || target === null) return "-"
  if (!Number.isFinite(value)) return "FAIL"
  return (higherIsBetter ? value >= target : value <= target) ? "PASS" : "FAIL"
}

/** A plain text table: `columns` are header strings, `rows` arrays of cells (already formatted or numbers). */
export const table = (columns, rows) => {
  const cells = rows.map((row) => row.map((c) => (typeof c === "number" ? fmt(c) : String(c ?? "-"))))
  const widths = columns.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  return [line(columns), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n")
}

// ---------------------------------------------------------------------------------------------------- environment

export const now = () => performance.timeOrigin + performance.now()

export const machine = () => ({
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? "unknown",
  loadavg: os.loadavg().map((x) => round(x, 2))
})

/** A note when the machine looks busy (other test suites on the 2 cores), for the report. */
export const loadNote = () => {
  const [one] = os.loadavg()
  const cpus = os.cpus().length
  return one > cpus * 0.5 ? `note: 1-min load average ${one.toFixed(2)} on ${cpus} cpus: figures may be noisy` : null
}

/** A temp dir removed at exit (also on SIGINT). */
export const tempDir = (prefix) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const clean = () => fs.rmSync(dir, { recursive: true, force: true })
  process.once("exit", clean)
  process.once("SIGINT", () => {
    clean()
    process.exit(130)
  })
  return dir
}

/** `gc()` without requiring `--expose-gc` on the command line. */
export const gc = (() => {
  if (typeof globalThis.gc === "function") return globalThis.gc
  v8.setFlagsFromString("--expose-gc")
  const fn = vm.runInNewContext("gc")
  return fn
})()

export const mb = (bytes) => bytes / (1024 * 1024)

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------------- effect

/** Logs go to stderr, warnings and errors only, so `--json` keeps stdout to one object. */
export const quietLogs = Layer.merge(
  Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)),
  Logger.minimumLogLevel(LogLevel.Warning)
)

/** A ManagedRuntime over `layer` with quiet logs (dispose it when done). */
export const runtimeOf = (layer) => ManagedRuntime.make(Layer.provideMerge(layer, quietLogs))

// ---------------------------------------------------------------------------------------------------- store fixtures

/**
 * Creates the store file through the library's own layer (so the migrations run), then bulk-inserts `rows`
 * (`{ domain, key, paused, draining }`) with one better-sqlite3 transaction. The activity triggers fill the change
 * feed as they would for any writer.
 */
export const seedStore = async (lib, filename, rows) => {
  const runtime = runtimeOf(lib.ActivityStore.layerSqlite({ filename }))
  await runtime.runPromise(lib.ActivityStore)
  await runtime.dispose()
  if (rows.length === 0) return
  const { default: Database } = await import("better-sqlite3")
  const db = new Database(filename)
  db.pragma("busy_timeout = 5000")
  const insert = db.prepare(
    "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES (?, ?, ?, ?, NULL, ?, 'bench', 'cli', NULL)"
  )
  const at = Date.now()
  db.transaction(() => {
    for (const r of rows) insert.run(r.domain, r.key, r.paused ? 1 : 0, r.draining ? 1 : 0, at)
  })()
  db.close()
}

/** `count` paused rows in domain `task`: k0000000, k0000001, … */
export const pausedKeys = (count, prefix = "k") =>
  Array.from({ length: count }, (_, i) => ({ domain: "task", key: prefix + String(i).padStart(7, "0"), paused: true, draining: false }))

/** Prints the JSON object or the text, per --json. */
export const report = (flags, json, text) => {
  if (flags.json) process.stdout.write(JSON.stringify(json) + "\n")
  else process.stdout.write(text + "\n")
}
