#!/usr/bin/env node
// The read path at 100,000 keys (issue 10, item 8): `oneiric activity --json` and the text `activity` against
// what the Python original's store does with the same file, measured side by side in the same run.
//
//   node bench/activity-read.mjs [--quick] [--json] [--keys N]
//
// The store is created through ActivityStore.layerSqlite (migrations) and filled with N paused keys (default
// 100,000; domain task) in one better-sqlite3 transaction. Then, in turn (python, --json, text, python, …),
// each a fresh process with stdout to /dev/null, timed from spawn to exit (wall):
//
//   python   python3 -c: one SELECT of every row through the sqlite3 module into dicts, then json.dumps,
//            written to stdout: what the original's store does (the baseline)
//   --json   node dist/bin.cjs --cache-dir DIR activity --json   (the bundled CLI, as operators run it)
//   text     node dist/bin.cjs --cache-dir DIR activity
//
// Targets: `activity --json` median <= the python median (ratio <= 1.0); text median <= the --json median.
// Before timing, each command runs once with its output read: the CLI's JSON must parse and list every key,
// python's must hold every row. --quick: 1 warm-up + 5 runs each (3 at BENCH_QUICK_SCALE 0.4); default 2 + 9.
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { loadLibrary, loadNote, machine, median, pausedKeys, percentile, quickValue, report, root, round, seedStore, table, tempDir, verdict } from "./lib.mjs"

const flags = parseFlags()
function parseFlags() {
  const argv = process.argv.slice(2)
  const f = { quick: false, json: false, keys: 100_000 }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--quick") f.quick = true
    else if (argv[i] === "--json") f.json = true
    else if (argv[i] === "--keys" && argv[i + 1] !== undefined) f.keys = Number(argv[++i])
    else {
      process.stderr.write(`unknown argument ${argv[i]}\nusage: node bench/activity-read.mjs [--quick] [--json] [--keys N]\n`)
      process.exit(2)
    }
  }
  return f
}

const WARMUP = flags.quick ? 1 : 2
const RUNS = flags.quick ? quickValue(5, 3) : 9
const TARGET_RATIO = 1.0

const PYTHON = `
import json, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
connection.row_factory = sqlite3.Row
rows = [dict(row) for row in connection.execute("SELECT * FROM activity")]
sys.stdout.write(json.dumps(rows))
connection.close()
`

const lib = await loadLibrary()
const bin = path.join(root, "dist", "bin.cjs")
if (!fs.existsSync(bin)) {
  process.stderr.write(`bench: ${bin} is missing; build it first (npm run build)\n`)
  process.exit(2)
}
const dir = tempDir("activity-read-")
const filename = path.join(dir, "domain_activity.sqlite")
const seedStarted = performance.now()
await seedStore(lib, filename, pausedKeys(flags.keys))
const seedMs = performance.now() - seedStarted

const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_")))
const commands = [
  { name: "python", file: "python3", args: ["-c", PYTHON, filename] },
  { name: "json", file: process.execPath, args: [bin, "--cache-dir", dir, "activity", "--json"] },
  { name: "text", file: process.execPath, args: [bin, "--cache-dir", dir, "activity"] }
]

// Once each with the output read: does it work, and does it say what it should?
const python = spawnSync("python3", ["--version"], { encoding: "utf8" })
if (python.status !== 0) {
  report(flags, { skipped: "python3 is not installed" }, "activity-read: skipped, python3 is not installed")
  process.exit(0)
}
for (const c of commands) {
  const out = spawnSync(c.file, c.args, { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 30 })
  if (out.status !== 0) throw new Error(`${c.name} exited ${out.status}: ${out.stderr}`)
  if (c.name === "python" && JSON.parse(out.stdout).length !== flags.keys) throw new Error("python: wrong row count")
  if (c.name === "json") {
    const listed = JSON.parse(out.stdout)
    if (listed.totals.entries !== flags.keys || listed.domains.task.entries.length !== flags.keys) throw new Error("activity --json: wrong entry count")
  }
  if (c.name === "text" && out.stdout.split("\n").length < flags.keys) throw new Error("activity: too few lines")
  c.bytes = Buffer.byteLength(out.stdout)
  c.times = []
}

const devNull = fs.openSync("/dev/null", "w")
const timeOnce = (c) => {
  const started = performance.now()
  const out = spawnSync(c.file, c.args, { cwd: dir, env, stdio: ["ignore", devNull, "pipe"] })
  const ms = performance.now() - started
  if (out.status !== 0) throw new Error(`${c.name} exited ${out.status}: ${out.stderr}`)
  return ms
}
for (let i = 0; i < WARMUP; i++) for (const c of commands) timeOnce(c)
for (let i = 0; i < RUNS; i++) for (const c of commands) c.times.push(timeOnce(c))
fs.closeSync(devNull)

const [py, json, text] = commands
const stats = (c) => ({ n: c.times.length, p50: round(median(c.times), 1), p99: round(percentile(c.times, 99), 1), min: round(Math.min(...c.times), 1), bytes: c.bytes })
const jsonRatio = median(json.times) / median(py.times)
const textRatio = median(text.times) / median(json.times)
const result = {
  keys: flags.keys,
  runs: RUNS,
  seed_ms: round(seedMs, 0),
  python: stats(py),
  json: stats(json),
  text: stats(text),
  json_vs_python: round(jsonRatio, 3),
  text_vs_python: round(median(text.times) / median(py.times), 3),
  text_vs_json: round(textRatio, 3),
  target_ratio: TARGET_RATIO,
  json_verdict: verdict(jsonRatio, TARGET_RATIO),
  text_verdict: verdict(textRatio, TARGET_RATIO),
  machine: machine(),
  note: loadNote()
}
report(flags, result, [
  `activity at ${flags.keys.toLocaleString("en-US")} keys: ${RUNS} runs each, interleaved, wall ms from spawn to exit, stdout to /dev/null`,
  table(["command", "median", "p99", "min", "bytes", "ratio", "target", "verdict"], [
    ["python3 sqlite3 + json.dumps (baseline)", median(py.times), percentile(py.times, 99), Math.min(...py.times), py.bytes, "-", "-", "-"],
    ["oneiric activity --json", median(json.times), percentile(json.times, 99), Math.min(...json.times), json.bytes, `${jsonRatio.toFixed(2)} vs python`, `<= ${TARGET_RATIO}`, result.json_verdict],
    ["oneiric activity (text)", median(text.times), percentile(text.times, 99), Math.min(...text.times), text.bytes, `${textRatio.toFixed(2)} vs --json`, `<= ${TARGET_RATIO}`, result.text_verdict]
  ]),
  result.note ?? ""
].join("\n"))
