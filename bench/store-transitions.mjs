// Transitions per second through `store.transition` (one write-first transaction: the row, its history row, the
// change-feed row written by the trigger, the feed pruning and the head read), on a SQLite file.
//
//   node bench/store-transitions.mjs [--quick] [--json]
//
// Single writer: this process, ActivityStore.layerSqlite on a fresh temp file, one Effect.gen loop of transitions
// for DURATION (pause then resume of 1,000 keys in turn, so the table stays small and both insert and delete paths
// run). Four writers: four child processes on one file (each its own keys), started together after all have opened
// the store; total = sum of their counts over the common window. Baseline, same run: the same statements through
// better-sqlite3 directly (deferred BEGIN, no-op UPDATE first, SELECT row, INSERT/DELETE row, INSERT history
// RETURNING, prune, SELECT MAX(seq), COMMIT; synchronous=NORMAL, busy_timeout 5000, WAL as the store sets it), with
// one writer and with four writer processes.
//
// Reported: total transitions/s, the median over windows of 200 transitions, per-transition latency p50/p99, and
// failures (busy). Target (issue): ≥ 10,000/s with a single writer. --quick: 2 s per measurement (down to 1 s under
// BENCH_QUICK_SCALE, see lib.mjs quickValue); default 6 s.
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import path from "node:path"
import readline from "node:readline"
import { fileURLToPath } from "node:url"
import {
  loadLibrary, loadNote, machine, median, parseArgs, percentile, quickValue, report, round, runtimeOf, seedStore, sleep, table, tempDir,
  verdict
} from "./lib.mjs"

const flags = parseArgs("usage: node bench/store-transitions.mjs [--quick] [--json]", ["--child", "--file", "--prefix", "--duration"])
const TARGET_PER_S = 10_000
const KEYS = 1_000
const WINDOW = 200
const WRITERS = 4
const DURATION_MS = flags.quick ? quickValue(2_000, 1_000) : 6_000

const lib = await loadLibrary()

const request = (prefix, i) => ({
  domain: "task",
  key: `${prefix}${i % KEYS}`,
  action: Math.floor(i / KEYS) % 2 === 0 ? "pause" : "resume",
  actor: "bench",
  source: "cli"
})

/** Turns per-transition timestamps into the figures: total rate, median window rate, latency percentiles. */
const figures = ({ count, errors, latencies, ends, elapsedMs }) => {
  const windows = []
  for (let i = WINDOW; i < ends.length; i += WINDOW) windows.push((WINDOW / (ends[i] - ends[i - WINDOW])) * 1000)
  return {
    count,
    errors,
    elapsed_ms: elapsedMs,
    per_second: (count / elapsedMs) * 1000,
    window_median_per_second: windows.length > 0 ? median(windows) : NaN,
    // the rate of the slowest 1 % of windows (p99 of the time per WINDOW transitions, as a rate)
    window_p99_per_second: windows.length > 0 ? percentile(windows, 1) : NaN,
    latency_p50_ms: percentile(latencies, 50),
    latency_p99_ms: percentile(latencies, 99)
  }
}

// ------------------------------------------------------------------------------------------------ the two writers

/** Transitions through the library's store until `endAt` (performance.now() time), in one fiber. */
const storeWriter = async (filename, prefix, whenReady, durationMs) => {
  const runtime = runtimeOf(lib.ActivityStore.layerSqlite({ filename }))
  const store = await runtime.runPromise(lib.ActivityStore)
  const out = { count: 0, errors: 0, latencies: [], ends: [] }
  const ready = async () => {
    // Warm up (JIT, statement cache) on keys of its own, then wait for the common start.
    await runtime.runPromise(Effect.forEach(Array.from({ length: 200 }, (_, i) => request(`${prefix}warm-`, i)), (r) => store.transition(r), { discard: true }))
  }
  await ready()
  await whenReady()
  const t0 = performance.now()
  const endAt = t0 + durationMs
  await runtime.runPromise(Effect.gen(function*() {
    for (let i = 0; ; i++) {
      const start = performance.now()
      if (start >= endAt) break
      const result = yield* Effect.either(store.transition(request(prefix, i)))
      const end = performance.now()
      if (result._tag === "Left") out.errors++
      else out.count++, out.latencies.push(end - start), out.ends.push(end)
    }
  }))
  const elapsedMs = performance.now() - t0
  await runtime.dispose()
  return { ...out, elapsedMs }
}

/** The same statements through better-sqlite3 directly. */
const rawWriter = async (filename, prefix, whenReady, durationMs) => {
  const db = new Database(filename)
  db.pragma("busy_timeout = 5000")
  db.pragma("synchronous = NORMAL")
  const noop = db.prepare("UPDATE activity SET paused = paused WHERE 0")
  const select = db.prepare("SELECT * FROM activity WHERE domain = ? AND key = ?")
  const insert = db.prepare(
    "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES (?, ?, 1, 0, NULL, ?, ?, ?, NULL)"
  )
  const remove = db.prepare("DELETE FROM activity WHERE domain = ? AND key = ?")
  const history = db.prepare(
    "INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at) VALUES (?, ?, ?, ?, ?, 0, NULL, ?, ?, NULL) RETURNING *"
  )
  const prune = db.prepare("DELETE FROM activity_changes WHERE seq <= (SELECT MAX(seq) FROM activity_changes) - 10000")
  const head = db.prepare("SELECT MAX(seq) AS head FROM activity_changes")
  const transition = db.transaction((r) => {
    noop.run()
    const before = select.get(r.domain, r.key)
    const now = Date.now()
    if (r.action === "pause") {
      if (before === undefined) insert.run(r.domain, r.key, now, r.actor, r.source)
    } else if (before !== undefined) remove.run(r.domain, r.key)
    history.get(now, r.domain, r.key, r.action, r.action === "pause" ? 1 : 0, r.actor, r.source)
    prune.run()
    return head.get().head
  })
  for (let i = 0; i < 200; i++) transition(request(`${prefix}warm-`, i))
  await whenReady()
  const out = { count: 0, errors: 0, latencies: [], ends: [] }
  const t0 = performance.now()
  const endAt = t0 + durationMs
  for (let i = 0; ; i++) {
    const start = performance.now()
    if (start >= endAt) break
    try {
      transition(request(prefix, i))
      const end = performance.now()
      out.count++, out.latencies.push(end - start), out.ends.push(end)
    } catch {
      out.errors++
    }
    // Let the event loop breathe now and then, like the Effect loop does.
    if ((i & 1023) === 1023) await new Promise((resolve) => setImmediate(resolve))
  }
  const elapsedMs = performance.now() - t0
  db.close()
  return { ...out, elapsedMs }
}

/** Waits until the wall-clock epoch ms `at` (children compare against the parent's announced start). */
async function waitUntil(at) {
  const now = () => performance.timeOrigin + performance.now()
  while (now() < at - 2) await sleep(Math.min(50, at - now() - 1))
  while (now() < at) {
    // spin the last ms
  }
}

// ------------------------------------------------------------------------------------------------ child mode

if (flags.child !== undefined) {
  // Says `ready` once the store is open and warm, then waits for the start time the parent sends to every child.
  const lines = readline.createInterface({ input: process.stdin })
  const startAt = new Promise((resolve) => lines.once("line", (line) => resolve(Number(line))))
  const whenReady = async () => {
    process.stdout.write("ready\n")
    await waitUntil(await startAt)
  }
  const writer = flags.child === "raw" ? rawWriter : storeWriter
  const result = await writer(flags.file, flags.prefix, whenReady, Number(flags.duration))
  process.stdout.write(JSON.stringify({ ...figures(result), ends: undefined }) + "\n")
  process.exit(0)
}

// ------------------------------------------------------------------------------------------------ parent

const dir = tempDir("store-transitions-")
let files = 0
const freshStore = async () => {
  const filename = path.join(dir, `store-${files++}.sqlite`)
  await seedStore(lib, filename, [])
  return filename
}

const self = fileURLToPath(import.meta.url)
/** `WRITERS` child processes of `kind` on one fresh file; resolves with their figures and the total rate. */
const multi = async (kind) => {
  const filename = await freshStore()
  const children = Array.from({ length: WRITERS }, (_, n) =>
    spawn(process.execPath, [self, "--child", kind, "--file", filename, "--prefix", `w${n}-`, "--duration", String(DURATION_MS)], {
      stdio: ["pipe", "pipe", "inherit"]
    })
  )
  const outputs = children.map((child) => {
    const lines = readline.createInterface({ input: child.stdout })
    let ready
    const isReady = new Promise((resolve) => (ready = resolve))
    const result = new Promise((resolve, reject) => {
      lines.on("line", (line) => (line === "ready" ? ready() : resolve(JSON.parse(line))))
      child.on("exit", (code) => code !== 0 && reject(new Error(`${kind} writer exited with ${code}`)))
    })
    return { isReady, result }
  })
  await Promise.all(outputs.map((o) => o.isReady))
  // Every child is open and warm: start them all together.
  const startAt = performance.timeOrigin + performance.now() + 50
  for (const child of children) child.stdin.write(`${startAt}\n`)
  const results = await Promise.all(outputs.map((o) => o.result))
  const total = results.reduce((sum, r) => sum + r.count, 0)
  const window = Math.max(...results.map((r) => r.elapsed_ms))
  return {
    writers: WRITERS,
    per_second: (total / window) * 1000,
    count: total,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    latency_p50_ms: median(results.map((r) => r.latency_p50_ms)),
    latency_p99_ms: Math.max(...results.map((r) => r.latency_p99_ms)),
    per_writer: results.map((r) => Math.round(r.per_second))
  }
}

const singleRaw = figures(await rawWriter(await freshStore(), "k", async () => {}, DURATION_MS))
const singleStore = figures(await storeWriter(await freshStore(), "k", async () => {}, DURATION_MS))
const multiRaw = await multi("raw")
const multiStore = await multi("store")

const v = verdict(singleStore.per_second, TARGET_PER_S, true)
const r = (x) => round(x, 3)
const json = {
  bench: "store-transitions",
  quick: flags.quick,
  machine: machine(),
  duration_ms: DURATION_MS,
  single_writer: {
    store: { per_second: Math.round(singleStore.per_second), window_median_per_second: Math.round(singleStore.window_median_per_second), window_p99_per_second: Math.round(singleStore.window_p99_per_second), p50_ms: r(singleStore.latency_p50_ms), p99_ms: r(singleStore.latency_p99_ms), errors: singleStore.errors },
    baseline_better_sqlite3: { per_second: Math.round(singleRaw.per_second), window_median_per_second: Math.round(singleRaw.window_median_per_second), window_p99_per_second: Math.round(singleRaw.window_p99_per_second), p50_ms: r(singleRaw.latency_p50_ms), p99_ms: r(singleRaw.latency_p99_ms), errors: singleRaw.errors },
    ratio: round(singleStore.per_second / singleRaw.per_second, 3),
    target_per_second: TARGET_PER_S,
    verdict: v
  },
  four_writers: {
    store: { ...multiStore, per_second: Math.round(multiStore.per_second), latency_p50_ms: r(multiStore.latency_p50_ms), latency_p99_ms: r(multiStore.latency_p99_ms) },
    baseline_better_sqlite3: { ...multiRaw, per_second: Math.round(multiRaw.per_second), latency_p50_ms: r(multiRaw.latency_p50_ms), latency_p99_ms: r(multiRaw.latency_p99_ms) },
    ratio: round(multiStore.per_second / multiRaw.per_second, 3)
  },
  note: loadNote()
}

const text = [
  `store transitions (row + history through store.transition; ${DURATION_MS / 1000} s each; ${flags.quick ? "quick" : "full"} run)`,
  table(["measure", "total/s", "median window/s", "p50 ms", "p99 ms", "errors", "ratio", "target", "verdict"], [
    ["baseline: better-sqlite3, 1 writer", singleRaw.per_second, singleRaw.window_median_per_second, singleRaw.latency_p50_ms, singleRaw.latency_p99_ms, singleRaw.errors, "1.00", "-", "-"],
    ["store.transition, 1 writer", singleStore.per_second, singleStore.window_median_per_second, singleStore.latency_p50_ms, singleStore.latency_p99_ms, singleStore.errors, (singleStore.per_second / singleRaw.per_second).toFixed(3), `>= ${TARGET_PER_S.toLocaleString("en-US")}/s`, v],
    [`baseline: better-sqlite3, ${WRITERS} processes`, multiRaw.per_second, "-", multiRaw.latency_p50_ms, multiRaw.latency_p99_ms, multiRaw.errors, "1.00", "-", "-"],
    [`store.transition, ${WRITERS} processes`, multiStore.per_second, "-", multiStore.latency_p50_ms, multiStore.latency_p99_ms, multiStore.errors, (multiStore.per_second / multiRaw.per_second).toFixed(3), "-", "-"]
  ]),
  `per-writer rates (${WRITERS} processes): store ${multiStore.per_writer.join(", ")}; better-sqlite3 ${multiRaw.per_writer.join(", ")}. p50 = median of the writers' medians, p99 = worst writer's p99.`,
  json.note ?? ""
].join("\n")
report(flags, json, text.trimEnd())
process.exit(0)
