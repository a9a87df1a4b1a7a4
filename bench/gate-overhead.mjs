// The cost of gating work: WorkGate.run around an effect, and Supervisor.shouldAcceptWork lookups.
//
//   node bench/gate-overhead.mjs [--quick] [--json]
//
// 1. ns per run of `gate.run("task", key, Effect.void)` against `Effect.void` alone. Each batch is one
//    `Effect.runSync` of an `Effect.gen` whose body is a plain `for` loop of RUNS `yield*`s, so the runtime start is
//    paid once per batch and both sides pay exactly the same per-iteration cost (one generator resume, one
//    continuation): the difference is the gate. (`Effect.forEach(range, f, { discard: true })` is shown as a
//    cross-check: it also runs both sides identically, but adds its own per-element bookkeeping to both.) Batches of
//    the two sides alternate; the figure is the median over ≥ 20 batches, the "added" column the median of the
//    pairwise differences. The key accepts work (no row): the hot path. A refused run (paused key, the failure caught
//    with Effect.either) is shown against `Effect.either(Effect.void)`, without a target.
// 2. shouldAcceptWork lookups per second with 10, 10,000 and 100,000 paused keys in the supervisor's index, without
//    and with paused `wN.*` wildcard rules, for keys with no row (accept: the gate's hot path, which has to check every
//    `prefix.*` rule of the domain) and keys with a paused row (refuse), against `Map.get` on a Map of the same keys
//    (a hit for the refused keys, a miss for the accepted ones). Each figure is the median of several batches of
//    ~50 ms each over a pool of 1,024 pre-built key strings.
//
// The supervisor runs over a SQLite store seeded with better-sqlite3 (watchers off, poll 1 h: nothing ticks during
// the measurement). Target (issue): ≤ 2 µs added per gate run (median). --quick: fewer batches (and, under
// BENCH_QUICK_SCALE, fewer runs per batch: see lib.mjs quickValue).
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import path from "node:path"
import {
  loadLibrary, loadNote, machine, median, parseArgs, pausedKeys, percentile, quickValue, report, round, runtimeOf, seedStore,
  table, tempDir, verdict
} from "./lib.mjs"

const flags = parseArgs("usage: node bench/gate-overhead.mjs [--quick] [--json]")
const RUNS = flags.quick ? quickValue(50_000, 20_000) : 100_000
const REFUSED_RUNS = flags.quick ? quickValue(10_000, 5_000) : 10_000
const GATE_BATCHES = flags.quick ? quickValue(20, 10) : 40
const LOOKUP_BATCHES = flags.quick ? 3 : 15
const BATCH_MS = flags.quick ? 15 : 50
const TARGET_ADDED_NS = 2_000
const SIZES = [10, 10_000, 100_000]
const WILDCARDS = flags.quick ? [0, 10] : [0, 10, 1_000]

const lib = await loadLibrary()
const dir = tempDir("gate-overhead-")
let files = 0

const config = lib.ConfigResolver.layerStatic({ watchers_enabled: false, poll_interval_ms: 3_600_000 })

/** A supervisor (and gate) over a fresh store holding `count` paused keys k0000000…; call `.dispose()`. */
const stack = async (count) => {
  const filename = path.join(dir, `store-${files++}.sqlite`)
  await seedStore(lib, filename, pausedKeys(count))
  const runtime = runtimeOf(
    lib.WorkGate.layer.pipe(
      Layer.provideMerge(lib.Supervisor.layer),
      Layer.provideMerge(lib.ActivityStore.layerSqlite({ filename })),
      Layer.provideMerge(config)
    )
  )
  const supervisor = await runtime.runPromise(lib.Supervisor)
  await runtime.runPromise(supervisor.awaitReady)
  const gate = await runtime.runPromise(lib.WorkGate)
  /** Adds `n` paused wildcard rules w0.*, w1.*, … (written by another connection, applied by one refresh). */
  const addWildcards = async (from, to) => {
    const db = new Database(filename)
    const insert = db.prepare("INSERT INTO activity (domain, key, paused, draining) VALUES ('task', ?, 1, 0)")
    db.transaction(() => {
      for (let i = from; i < to; i++) insert.run(`w${i}.*`)
    })()
    db.close()
    await runtime.runPromise(supervisor.refresh)
  }
  return { runtime, supervisor, gate, addWildcards, dispose: () => runtime.dispose() }
}

// ------------------------------------------------------------------------------------------------ 1. WorkGate.run

const loopOf = (make, runs = RUNS) =>
  Effect.gen(function*() {
    for (let i = 0; i < runs; i++) yield* make()
  })
const range = Array.from({ length: RUNS }, (_, i) => i)
const forEachOf = (make) => Effect.forEach(range, make, { discard: true })

/** ns per run of each side, batches alternating; returns medians and the median pairwise difference. */
const compare = (baseline, subject, batches, runs = RUNS) => {
  const a = []
  const b = []
  const diff = []
  for (let i = 0; i < batches + 2; i++) {
    let t0 = performance.now()
    Effect.runSync(baseline)
    const x = ((performance.now() - t0) * 1e6) / runs
    t0 = performance.now()
    Effect.runSync(subject)
    const y = ((performance.now() - t0) * 1e6) / runs
    if (i >= 2) a.push(x), b.push(y), diff.push(y - x) // two warm-up pairs
  }
  return { baseline: median(a), subject: median(b), added: median(diff), addedP99: percentile(diff, 99), subjectP99: percentile(b, 99), n: batches, runs }
}

/** Section 1, on the 10-key stack. */
const measureGate = (small) => {
  const acceptKey = "free-key"
  const refusedKey = "k0000003"
  if (!small.supervisor.shouldAcceptWork("task", acceptKey) || small.supervisor.shouldAcceptWork("task", refusedKey)) {
    throw new Error("unexpected supervisor state")
  }
  return {
    loop: compare(loopOf(() => Effect.void), loopOf(() => small.gate.run("task", acceptKey, Effect.void)), GATE_BATCHES),
    forEach: compare(forEachOf(() => Effect.void), forEachOf(() => small.gate.run("task", acceptKey, Effect.void)), flags.quick ? 4 : 20),
    refused: compare(
      loopOf(() => Effect.either(Effect.void), REFUSED_RUNS),
      loopOf(() => Effect.either(small.gate.run("task", refusedKey, Effect.void)), REFUSED_RUNS),
      flags.quick ? 4 : 20,
      REFUSED_RUNS
    )
  }
}

// ------------------------------------------------------------------------------------------------ 2. lookups

const POOL = 1024
const pool = (f) => Array.from({ length: POOL }, (_, i) => f(i))

/** Lookups per second of `lookup(key)` over `keys`: median of LOOKUP_BATCHES batches of about BATCH_MS each. */
const rate = (lookup, keys) => {
  let hits = 0
  const batch = (n) => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) if (lookup(keys[i & (POOL - 1)])) hits++
    return performance.now() - t0
  }
  // Calibrate the batch length (and warm up the JIT).
  let n = 1024
  while (batch(n) < BATCH_MS / 4) n *= 2
  n = Math.max(1024, Math.round((n * BATCH_MS) / Math.max(batch(n), 0.001)))
  const rates = []
  for (let i = 0; i < LOOKUP_BATCHES; i++) rates.push((n / batch(n)) * 1000)
  // `slow`: the rate of the slowest 1 % of batches (the p99 of the time per lookup, as a rate).
  return { perSecond: median(rates), slow: percentile(rates, 1), hits }
}

const lookups = []
let gateFigures
for (const size of SIZES) {
  const s = await stack(size)
  if (size === SIZES[0]) gateFigures = measureGate(s)
  const map = new Map(pausedKeys(size).map((r) => [r.key, r]))
  const present = pool((i) => "k" + String((i * 7919) % size).padStart(7, "0"))
  const absent = pool((i) => "x" + String(i).padStart(7, "0"))
  const mapHit = rate((k) => map.get(k) !== undefined, present)
  const mapMiss = rate((k) => map.get(k) !== undefined, absent)
  let added = 0
  for (const wildcards of WILDCARDS) {
    if (wildcards > added) {
      await s.addWildcards(added, wildcards)
      added = wildcards
    }
    const accept = rate((k) => s.supervisor.shouldAcceptWork("task", k), absent)
    const refuse = rate((k) => s.supervisor.shouldAcceptWork("task", k), present)
    if (accept.hits === 0 || refuse.hits !== 0) throw new Error(`unexpected answers at ${size} keys`)
    const covered = wildcards === 0 ? null : rate((k) => s.supervisor.shouldAcceptWork("task", k), pool((i) => `w${i % wildcards}.item${i}`))
    lookups.push({
      size, wildcards, accept: accept.perSecond, mapMiss: mapMiss.perSecond, refuse: refuse.perSecond, mapHit: mapHit.perSecond, covered: covered?.perSecond ?? null,
      acceptSlow: accept.slow, refuseSlow: refuse.slow, coveredSlow: covered?.slow ?? null, mapMissSlow: mapMiss.slow, mapHitSlow: mapHit.slow
    })
  }
  await s.dispose()
}

// ------------------------------------------------------------------------------------------------ report

const { loop: gateLoop, forEach: gateForEach, refused: refusedLoop } = gateFigures
const gateVerdict = verdict(gateLoop.added, TARGET_ADDED_NS)
const json = {
  bench: "gate-overhead",
  quick: flags.quick,
  machine: machine(),
  runs_per_batch: RUNS,
  gate_run_ns: {
    method: "Effect.runSync(Effect.gen(for loop of yield*)) per batch, batches alternating, medians",
    baseline_effect_void: round(gateLoop.baseline, 1),
    gate_run: round(gateLoop.subject, 1),
    added: round(gateLoop.added, 1),
    added_p99: round(gateLoop.addedP99, 1),
    gate_run_p99: round(gateLoop.subjectP99, 1),
    ratio: round(gateLoop.subject / gateLoop.baseline, 2),
    batches: gateLoop.n,
    target_added: TARGET_ADDED_NS,
    verdict: gateVerdict,
    cross_check_forEach: { baseline: round(gateForEach.baseline, 1), gate_run: round(gateForEach.subject, 1), added: round(gateForEach.added, 1) },
    refused: { runs_per_batch: refusedLoop.runs, baseline_either_void: round(refusedLoop.baseline, 1), gate_run_either: round(refusedLoop.subject, 1), added: round(refusedLoop.added, 1) }
  },
  lookups_per_second: lookups.map((l) => ({
    keys: l.size,
    wildcard_rules: l.wildcards,
    accept: Math.round(l.accept),
    baseline_map_miss: Math.round(l.mapMiss),
    refuse: Math.round(l.refuse),
    baseline_map_hit: Math.round(l.mapHit),
    refuse_by_wildcard: l.covered === null ? null : Math.round(l.covered),
    // the rate of the slowest 1 % of batches (p99 of the time per lookup)
    accept_p99_rate: Math.round(l.acceptSlow),
    refuse_p99_rate: Math.round(l.refuseSlow),
    baseline_map_miss_p99_rate: Math.round(l.mapMissSlow),
    baseline_map_hit_p99_rate: Math.round(l.mapHitSlow),
    refuse_by_wildcard_p99_rate: l.covered === null ? null : Math.round(l.coveredSlow)
  })),
  note: loadNote()
}

const M = (x) => (x === null ? "-" : (x / 1e6).toFixed(2))
const text = [
  `WorkGate.run overhead (ns per run, ${RUNS.toLocaleString("en-US")} runs per batch, 10 keys in the index; ${flags.quick ? "quick" : "full"} run)`,
  table(["measure", "batches", "baseline", "subject", "added", "ratio", "target", "verdict"], [
    ["gen loop: Effect.void vs gate.run(accepting key)", gateLoop.n, gateLoop.baseline, gateLoop.subject, gateLoop.added, (gateLoop.subject / gateLoop.baseline).toFixed(2), `added <= ${TARGET_ADDED_NS}`, gateVerdict],
    ["  cross-check, Effect.forEach", gateForEach.n, gateForEach.baseline, gateForEach.subject, gateForEach.added, (gateForEach.subject / gateForEach.baseline).toFixed(2), "-", "-"],
    [`  refused key, both under Effect.either (${REFUSED_RUNS.toLocaleString("en-US")} runs/batch)`, refusedLoop.n, refusedLoop.baseline, refusedLoop.subject, refusedLoop.added, (refusedLoop.subject / refusedLoop.baseline).toFixed(2), "-", "-"]
  ]),
  "",
  "shouldAcceptWork lookups (millions per second; baseline Map.get on a Map of the same keys)",
  table(["keys", "wildcards", "accept", "Map miss", "ratio", "refuse", "Map hit", "ratio", "refuse (wildcard)"], lookups.map((l) => [
    l.size, l.wildcards, M(l.accept), M(l.mapMiss), (l.accept / l.mapMiss).toFixed(3), M(l.refuse), M(l.mapHit), (l.refuse / l.mapHit).toFixed(4), M(l.covered)
  ])),
  json.note ?? ""
].join("\n")
report(flags, json, text.trimEnd())
process.exit(0)
