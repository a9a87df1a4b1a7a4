// Health snapshot writer: snapshot writes per second and the file's size with 1,000 active keys.
//
//   node bench/health-writer.mjs [--quick] [--json]
//
// The store (a temp cache dir) is created through the library's layer and bulk-loaded with 1,000 active keys spread
// over four domains (half paused, half draining, every fourth with a note). The orchestrator's layers are then built
// from dist/index.js exactly as `oneiric run` builds them, without the HTTP server:
// `OrchestratorLive({ cacheDir, env: {}, cwd, healthPath, healthHeartbeatMs: 1 h })` (config, store, supervisor,
// gate, instance heartbeat, lifecycle registry, snapshot writer); the supervisor loads the 1,000 rows before it
// reports ready. The snapshot heartbeat is pushed out to an hour and nothing changes in the store during the
// measurement, so every write measured is a `HealthSnapshot.writeNow` called here (build the snapshot from the
// supervisor, gate, lifecycle and config, Schema-encode it, pretty-print it, write a temp file, fsync, rename, fsync
// the directory), timed one by one inside one Effect.gen loop.
//
// Baseline (same run, interleaved in batches of 20 (10 quick) so machine noise hits all alike): `fs.writeFileSync` of the same
// bytes to a temp file + `fs.renameSync` over a second target in the same directory, so the ratio shows the cost of
// building + encoding + fsync. Also shown (not judged): the same with fsync of the file and of the directory (the
// durability the writer pays for), and `HealthSnapshot.current` (building the snapshot alone, no encoding, no I/O).
//
// No target in the issue: reported only. --quick: 40 writes (after 5 warm-up writes); default 300 (after 20).
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import fs from "node:fs"
import path from "node:path"
import {
  loadLibrary, loadNote, machine, parseArgs, report, round, runtimeOf, seedStore, sleep, summary, table, tempDir
} from "./lib.mjs"

const flags = parseArgs("usage: node bench/health-writer.mjs [--quick] [--json]")
const KEYS = 1_000
const WRITES = flags.quick ? 40 : 300
const WARMUP = flags.quick ? 5 : 20
const BATCH = flags.quick ? 10 : 20
const DOMAINS = ["task", "event", "workflow", "service"]

const lib = await loadLibrary()
const dir = tempDir("bench-health-writer-")
const cacheDir = path.join(dir, "cache")
fs.mkdirSync(cacheDir)
const filename = path.join(cacheDir, "domain_activity.sqlite")
const healthPath = path.join(cacheDir, "runtime_health.json")

// ------------------------------------------------------------------------------------------------ the store

const rows = Array.from({ length: KEYS }, (_, i) => ({
  domain: DOMAINS[i % DOMAINS.length],
  key: `svc${String(Math.floor(i / DOMAINS.length)).padStart(4, "0")}.unit`,
  paused: i % 2 === 0,
  draining: i % 2 === 1
}))
await seedStore(lib, filename, rows)
{
  const db = new Database(filename)
  db.prepare("UPDATE activity SET note = 'bench: maintenance window ' || rowid WHERE rowid % 4 = 0").run()
  db.close()
}

// ------------------------------------------------------------------------------------------------ the orchestrator

const runtime = runtimeOf(lib.OrchestratorLive({ cacheDir, env: {}, cwd: dir, healthPath, healthHeartbeatMs: 3_600_000 }))
const supervisor = await runtime.runPromise(lib.Supervisor)
await runtime.runPromise(supervisor.awaitReady)
const health = await runtime.runPromise(lib.HealthSnapshot)
// Let the start-up writes (start, ready) finish before measuring.
await sleep(300)
await runtime.runPromise(health.writeNow)

const text0 = fs.readFileSync(healthPath, "utf8")
const written = JSON.parse(text0)
const activeKeys = Object.values(written.activity_state ?? {}).reduce((n, byKey) => n + Object.keys(byKey).length, 0)
if (activeKeys !== KEYS) throw new Error(`the snapshot holds ${activeKeys} active keys, expected ${KEYS}`)

// ------------------------------------------------------------------------------------------------ measurement

/** ms per call of `effect`, `n` times in one fiber. */
const timeEach = (effect, n, out) =>
  Effect.gen(function*() {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      yield* effect
      out.push(performance.now() - t0)
    }
  })

const baseTarget = path.join(cacheDir, "baseline.json")
const baseTemp = path.join(cacheDir, ".baseline.json.tmp")
const plainWrite = (bytes) => {
  fs.writeFileSync(baseTemp, bytes)
  fs.renameSync(baseTemp, baseTarget)
}
const durableWrite = (bytes) => {
  const fd = fs.openSync(baseTemp, "w", 0o644)
  try {
    fs.writeFileSync(fd, bytes)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(baseTemp, baseTarget)
  const d = fs.openSync(cacheDir, "r")
  try {
    fs.fsyncSync(d)
  } finally {
    fs.closeSync(d)
  }
}
const timeSync = (fn, n, out) => {
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    fn()
    out.push(performance.now() - t0)
  }
}

const writes = []
const builds = []
const plain = []
const durable = []
const sink = []
await runtime.runPromise(timeEach(health.writeNow, WARMUP, sink))
await runtime.runPromise(timeEach(health.current, WARMUP, sink))
const bytes = fs.readFileSync(healthPath)
timeSync(() => plainWrite(bytes), WARMUP, sink)
timeSync(() => durableWrite(bytes), WARMUP, sink)

const started = performance.now()
let writeMs = 0
for (let done = 0; done < WRITES; done += BATCH) {
  const n = Math.min(BATCH, WRITES - done)
  const t0 = performance.now()
  await runtime.runPromise(timeEach(health.writeNow, n, writes))
  writeMs += performance.now() - t0
  await runtime.runPromise(timeEach(health.current, n, builds))
  timeSync(() => plainWrite(bytes), n, plain)
  timeSync(() => durableWrite(bytes), n, durable)
}
const elapsedS = (performance.now() - started) / 1000
const finalBytes = fs.statSync(healthPath).size
await runtime.dispose()

// ------------------------------------------------------------------------------------------------ report

const s = { write: summary(writes), build: summary(builds), plain: summary(plain), durable: summary(durable) }
const perSecond = (WRITES / writeMs) * 1000
const r = (x) => round(x, 4)
const json = {
  bench: "health-writer",
  quick: flags.quick,
  machine: machine(),
  active_keys: activeKeys,
  writes: WRITES,
  bytes: finalBytes,
  writes_per_second: Math.round(perSecond),
  write_ms: { n: s.write.n, min: r(s.write.min), p50: r(s.write.p50), p90: r(s.write.p90), p99: r(s.write.p99), max: r(s.write.max) },
  baseline_writeFileSync_rename_ms: { n: s.plain.n, p50: r(s.plain.p50), p99: r(s.plain.p99) },
  writeFileSync_fsync_rename_fsyncdir_ms: { n: s.durable.n, p50: r(s.durable.p50), p99: r(s.durable.p99) },
  build_only_current_ms: { n: s.build.n, p50: r(s.build.p50), p99: r(s.build.p99) },
  ratio_p50_vs_baseline: round(s.write.p50 / s.plain.p50, 2),
  ratio_p50_vs_fsync_write: round(s.write.p50 / s.durable.p50, 2),
  elapsed_s: round(elapsedS, 2),
  note: loadNote()
}
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`
const text = [
  `health snapshot writes, ${activeKeys.toLocaleString("en-US")} active keys, ${finalBytes.toLocaleString("en-US")} bytes (${kb(finalBytes)}); ms per write (${flags.quick ? "quick" : "full"} run)`,
  table(["measure", "n", "min", "median", "p99", "max", "ratio", "target", "verdict"], [
    ["baseline: writeFileSync temp + rename (same bytes)", s.plain.n, s.plain.min, s.plain.p50, s.plain.p99, s.plain.max, "1.00", "-", "-"],
    ["  + fsync file + fsync dir (same bytes)", s.durable.n, s.durable.min, s.durable.p50, s.durable.p99, s.durable.max, (s.durable.p50 / s.plain.p50).toFixed(2), "-", "-"],
    ["  HealthSnapshot.current (build only, no write)", s.build.n, s.build.min, s.build.p50, s.build.p99, s.build.max, (s.build.p50 / s.plain.p50).toFixed(2), "-", "-"],
    ["HealthSnapshot.writeNow", s.write.n, s.write.min, s.write.p50, s.write.p99, s.write.max, (s.write.p50 / s.plain.p50).toFixed(2), "-", "-"]
  ]),
  `writeNow: ${Math.round(perSecond).toLocaleString("en-US")} writes/s back to back (${(1000 / s.write.p50).toFixed(0)}/s from the median); baseline ${(1000 / s.plain.p50).toFixed(0)}/s, with fsync ${(1000 / s.durable.p50).toFixed(0)}/s`,
  json.note ?? ""
].join("\n")
report(flags, json, text.trimEnd())
process.exit(0)
