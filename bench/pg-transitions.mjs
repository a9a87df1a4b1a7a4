// Transitions per second through `store.transition` on the PostgreSQL store (one transaction: the schema's advisory
// write lock, the row read, the row upsert or delete — whose trigger appends the change feed and NOTIFYs — and the
// history row with the feed head), with 1 writer and with 8 writer processes on one database.
//
//   node bench/pg-transitions.mjs [--quick] [--json]
//
// Baseline, same run: the same statements through the raw `pg` driver on one connection per writer (BEGIN, SELECT
// pg_advisory_xact_lock, SELECT row, INSERT … ON CONFLICT DO UPDATE / DELETE, INSERT history RETURNING *, head,
// COMMIT), against the same kind of schema (migrated by the library, so the same trigger runs). Writers alternate
// pause and resume over 50 keys of their own, so every transition writes (insert and delete paths both run).
// Writers serialise on the write lock and each COMMIT waits for the WAL flush: the rate is bounded by the disk.
//
// The machine is shared and noisy, so the two are interleaved: PHASES phases of PHASE_MS each, alternating baseline
// and store (every writer process switches together, at common wall-clock times); each figure is the median of
// its phases' rates. Server: see bench/pg-lib.mjs (a database of its own per run). --quick: 4 phases of 1.5 s;
// default 8 of 3 s.
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import readline from "node:readline"
import { fileURLToPath } from "node:url"
import pg from "pg"
import { loadLibrary, loadNote, machine, median, parseArgs, percentile, quickValue, report, round, runtimeOf, sleep, table } from "./lib.mjs"
import { benchDatabase, skip } from "./pg-lib.mjs"

const flags = parseArgs("usage: node bench/pg-transitions.mjs [--quick] [--json]", ["--child", "--url", "--prefix"])
const KEYS = 50
const WRITERS = 8
const PHASES = flags.quick ? 4 : 8
const PHASE_MS = flags.quick ? quickValue(1_500, 1_000) : 3_000
/** Between phases: the last transactions of a phase finish before the next one starts. */
const GAP_MS = 300

const lib = await loadLibrary()

const request = (prefix, i) => ({
  domain: "task",
  key: `${prefix}${i % KEYS}`,
  action: Math.floor(i / KEYS) % 2 === 0 ? "pause" : "resume",
  actor: "bench",
  source: "cli"
})

/** The store's writer: `once(i)` runs transition i. */
const storeWriter = async (url) => {
  const runtime = runtimeOf(lib.ActivityStore.layerPostgres({ url }))
  const store = await runtime.runPromise(lib.ActivityStore)
  return { once: (prefix, i) => runtime.runPromise(store.transition(request(prefix, i))), close: () => runtime.dispose() }
}

/** The same statements on the raw driver, one connection. */
const rawWriter = async (url) => {
  const schema = new URL(url).searchParams.get("schema")
  const client = new pg.Client({ connectionString: url.replace(/\?.*$/, ""), options: `-c search_path=${schema}` })
  client.on("error", () => undefined)
  await client.connect()
  const lock = `${schema}.write`
  const once = async (prefix, i) => {
    const r = request(prefix, i)
    const now = Date.now()
    await client.query("BEGIN")
    try {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [lock])
      await client.query("SELECT * FROM activity WHERE domain = $1 AND key = $2", [r.domain, r.key])
      const paused = r.action === "pause"
      if (paused) {
        await client.query(
          `INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (domain, key) DO UPDATE SET paused = EXCLUDED.paused, draining = EXCLUDED.draining, note = EXCLUDED.note,
           updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, source = EXCLUDED.source, expires_at = EXCLUDED.expires_at`,
          [r.domain, r.key, 1, 0, null, now, r.actor, r.source, null]
        )
      } else await client.query("DELETE FROM activity WHERE domain = $1 AND key = $2", [r.domain, r.key])
      await client.query(
        `INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING *, (SELECT MAX(seq) FROM activity_changes) AS head`,
        [now, r.domain, r.key, r.action, paused ? 1 : 0, 0, null, r.actor, r.source, null]
      )
      await client.query("COMMIT")
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined)
      throw error
    }
  }
  return { once, close: () => client.end() }
}

const wallNow = () => performance.timeOrigin + performance.now()

/**
 * Runs the phases from wall-clock time `start`: even phases on the raw driver, odd ones through the store. Returns
 * per phase: kind, count, errors, elapsed ms, latencies.
 */
const runPhases = async (url, prefix, whenWarm) => {
  const writers = { raw: await rawWriter(url), store: await storeWriter(url) }
  // Warm both (JIT, connections, statement plans) on keys of their own.
  for (let i = 0; i < (flags.quick ? 5 : 20); i++) {
    await writers.raw.once(`${prefix}warm-raw-`, i).catch(() => undefined)
    await writers.store.once(`${prefix}warm-store-`, i).catch(() => undefined)
  }
  const start = await whenWarm()
  const phases = []
  for (let p = 0; p < PHASES; p++) {
    const kind = p % 2 === 0 ? "raw" : "store"
    const from = start + p * (PHASE_MS + GAP_MS)
    while (wallNow() < from) await sleep(Math.max(0, Math.min(20, from - wallNow() - 1)))
    const out = { kind, count: 0, errors: 0, latencies: [] }
    const t0 = performance.now()
    for (let i = 0; wallNow() < from + PHASE_MS; i++) {
      const started = performance.now()
      try {
        await writers[kind].once(`${prefix}${p}-`, i)
        out.count++
        out.latencies.push(performance.now() - started)
      } catch (error) {
        if (out.errors++ === 0) process.stderr.write(`pg-transitions: ${kind}: ${error?.message ?? error}\n`)
      }
    }
    phases.push({ ...out, elapsed_ms: performance.now() - t0 })
  }
  await writers.raw.close()
  await writers.store.close()
  return phases
}

// ------------------------------------------------------------------------------------------------ child mode

if (flags.child !== undefined) {
  // Says `warm` once both writers are open and warm, then waits for the common start time on stdin.
  const lines = readline.createInterface({ input: process.stdin })
  const start = new Promise((resolve) => lines.once("line", (line) => resolve(Number(line))))
  const phases = await runPhases(flags.url, flags.prefix, () => {
    process.stdout.write("warm\n")
    return start
  })
  process.stdout.write(JSON.stringify(phases.map((p) => ({ ...p, latencies: undefined, p50: percentile(p.latencies, 50), p99: percentile(p.latencies, 99) }))) + "\n")
  process.exit(0)
}

// ------------------------------------------------------------------------------------------------ parent

const database = await benchDatabase("transitions")
if (database.skipped) skip(flags, "pg-transitions", database.skipped)

let schemas = 0
/** A fresh, migrated schema. */
const freshStore = async () => {
  const url = `${database.url}?schema=s${schemas++}`
  await Effect.runPromise(lib.ActivityStore.migrate({ kind: "postgres", location: url }))
  return url
}

/** Per kind: the median phase rate, and latency p50/p99 over every transition of its phases. */
const summarize = (phases, kind) => {
  const mine = phases.filter((p) => p.kind === kind)
  return {
    per_second: median(mine.map((p) => (p.count / p.elapsed_ms) * 1000)),
    phase_rates: mine.map((p) => round((p.count / p.elapsed_ms) * 1000, 1)),
    count: mine.reduce((n, p) => n + p.count, 0),
    errors: mine.reduce((n, p) => n + p.errors, 0),
    p50_ms: round(median(mine.map((p) => p.p50)), 3),
    p99_ms: round(Math.max(...mine.map((p) => p.p99)), 3)
  }
}

const single = async () => {
  const url = await freshStore()
  const phases = await runPhases(url, "k", async () => wallNow() + 100)
  return phases.map((p) => ({ ...p, latencies: undefined, p50: percentile(p.latencies, 50), p99: percentile(p.latencies, 99) }))
}

const self = fileURLToPath(import.meta.url)
const multi = async () => {
  const url = await freshStore()
  // Every process opens both writers and warms up, then all start at the same wall-clock time.
  const children = Array.from({ length: WRITERS }, (_, n) =>
    spawn(process.execPath, [self, "--child", "both", "--url", url, "--prefix", `w${n}-`], { stdio: ["pipe", "pipe", "inherit"] })
  )
  const outputs = children.map((child) => {
    let warm
    const isWarm = new Promise((resolve) => (warm = resolve))
    const result = new Promise((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on("line", (line) => (line === "warm" ? warm() : resolve(JSON.parse(line))))
      child.on("exit", (code) => code !== 0 && reject(new Error(`writer exited with ${code}`)))
    })
    return { isWarm, result }
  })
  await Promise.all(outputs.map((o) => o.isWarm))
  const start = wallNow() + 200
  for (const child of children) child.stdin.write(`${start}\n`)
  const results = await Promise.all(outputs.map((o) => o.result))
  // Per phase: the total of every process.
  return Array.from({ length: PHASES }, (_, p) => {
    const of = results.map((r) => r[p])
    return {
      kind: of[0].kind,
      count: of.reduce((n, x) => n + x.count, 0),
      errors: of.reduce((n, x) => n + x.errors, 0),
      elapsed_ms: Math.max(...of.map((x) => x.elapsed_ms)),
      p50: median(of.map((x) => x.p50)),
      p99: Math.max(...of.map((x) => x.p99))
    }
  })
}

try {
  const one = await single()
  const eight = await multi()
  const figures = (phases) => {
    const store = summarize(phases, "store")
    const raw = summarize(phases, "raw")
    return { store: { ...store, per_second: round(store.per_second, 1) }, baseline_pg: { ...raw, per_second: round(raw.per_second, 1) }, ratio: round(store.per_second / raw.per_second, 3) }
  }
  const json = {
    bench: "pg-transitions",
    quick: flags.quick,
    machine: machine(),
    phases: PHASES,
    phase_ms: PHASE_MS,
    single_writer: figures(one),
    eight_writers: { writers: WRITERS, ...figures(eight) },
    note: loadNote()
  }
  const row = (label, f, ratio) => [label, f.per_second, f.phase_rates.join(" "), f.p50_ms, f.p99_ms, f.errors, ratio]
  const text = [
    `PostgreSQL store transitions (${PHASES} interleaved phases of ${PHASE_MS / 1000} s; ${flags.quick ? "quick" : "full"} run)`,
    table(["measure", "median/s", "phases/s", "p50 ms", "p99 ms", "errors", "ratio"], [
      row("baseline: pg driver, 1 writer", json.single_writer.baseline_pg, "1.00"),
      row("store.transition, 1 writer", json.single_writer.store, json.single_writer.ratio.toFixed(3)),
      row(`baseline: pg driver, ${WRITERS} processes`, json.eight_writers.baseline_pg, "1.00"),
      row(`store.transition, ${WRITERS} processes`, json.eight_writers.store, json.eight_writers.ratio.toFixed(3))
    ]),
    json.note ?? ""
  ].join("\n")
  report(flags, json, text.trimEnd())
} finally {
  await database.drop()
}
process.exit(0)
