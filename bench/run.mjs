#!/usr/bin/env node
// `npm run bench`: runs every benchmark script as a child process, in a fixed order, each with a time limit, collects
// their JSON, prints ONE combined table and writes bench/results.json (atomically: bench/results.json.tmp + rename).
//
//   node bench/run.mjs [--quick] [--strict] [--only NAME,NAME] [--quick-scale S]
//
// --quick          every script with --quick; the whole run fits in 60 s on a 2-core machine (CI runs this), plus
//                  about 1.5 min for the two PostgreSQL scripts (pg-*, each skipped without a server: bench/pg-lib.mjs)
//                  about 30 s for activity-read (100,000 keys: python3 baseline, activity --json, text, 3 runs each)
//                  and about 15 s for console-paint (Chromium, 3 loads of the console at 10,000 keys)
// --strict         exit 1 when any figure FAILs or a script errors (default: exit 0 always: reporting, not gating)
// --only a,b       only these scripts (e.g. drain,health-writer); for development: bench/results.json is not written
// --quick-scale S  BENCH_QUICK_SCALE for the scripts in --quick mode (default 0.4): scales their repetition counts
//                  and durations down to fit the budget, never below each script's floor and never the key counts
//
// Environment: BENCH_RUN_LIMIT_S=N replaces every script's time limit (seconds; defaults per script, 30–40 s quick,
// 4–5 min full); BENCH_DIST=path/to/index.js points the library benchmarks at another build (A/B).
//
// Every figure has median and p99 (where the script measures a distribution), the baseline measured in the same run
// and the machine-independent ratio to it, the target of the issue (where there is one) and PASS / FAIL / - . For a
// rate (…/s) the p99 column is the rate of the slowest 1 % of batches or windows (the p99 of the time per operation,
// as a rate). The ratio compares the statistic the target judges (marked "p99" when that is the p99). A script that
// crashes, prints no JSON or overruns its time limit is reported with verdict "error" and the run continues.
// A FAIL is a finding: the run reports it and goes on.
import { spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(benchDir, "..")
const resultsFile = path.join(benchDir, "results.json")

// ------------------------------------------------------------------------------------------------ arguments

const usage = "usage: node bench/run.mjs [--quick] [--strict] [--only NAME,NAME] [--quick-scale S]"
const flags = { quick: false, strict: false, only: null, quickScale: 0.4 }
{
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--quick") flags.quick = true
    else if (arg === "--strict") flags.strict = true
    else if (arg === "--only" && argv[i + 1] !== undefined) flags.only = argv[++i].split(",").map((s) => s.trim()).filter(Boolean)
    else if (arg === "--quick-scale" && argv[i + 1] !== undefined) {
      flags.quickScale = Number(argv[++i])
      if (!(flags.quickScale > 0 && flags.quickScale <= 1)) {
        process.stderr.write(`--quick-scale must be in (0, 1]\n${usage}\n`)
        process.exit(2)
      }
    } else if (arg === "--help" || arg === "-h") {
      process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport ")[0].replace(/^#!.*\n/, "").replace(/^\/\/ ?/gm, ""))
      process.exit(0)
    } else {
      process.stderr.write(`unknown argument ${arg}\n${usage}\n`)
      process.exit(2)
    }
  }
}

// ------------------------------------------------------------------------------------------------ helpers

const r = (x, digits = 4) => (typeof x === "number" && Number.isFinite(x) ? Number(x.toPrecision(Math.max(digits, String(Math.trunc(Math.abs(x))).length))) : null)
const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : null)
const ratioOf = (a, b) => (num(a) !== null && num(b) !== null && b !== 0 ? a / b : null)
const judge = (value, limit, higherIsBetter = false) => {
  if (num(value) === null) return "FAIL"
  return (higherIsBetter ? value >= limit : value <= limit) ? "PASS" : "FAIL"
}
const n0 = (x) => x.toLocaleString("en-US")

/**
 * One figure. `basis`: the statistic the target (and the ratio) is about: "median" (default), "p99" or "value" (a
 * single reading, e.g. RSS).
 */
const figure = ({ id, name, description = null, unit, median, p99 = null, baseline = null, ratio, target = null, verdict = "-", basis = "median", n = null, ...extra }) => ({
  id,
  name,
  description,
  unit,
  n,
  median: r(median),
  p99: r(p99),
  baseline: r(baseline),
  ratio: r(ratio ?? ratioOf(basis === "p99" ? p99 : median, baseline), 3),
  basis,
  target,
  verdict,
  ...extra
})

// ------------------------------------------------------------------------------------------------ the scripts

/**
 * In the order of the issue. `limit`: seconds before the script is stopped (quick, full); `figures(json)` maps its
 * JSON to the table's figures.
 */
const SCRIPTS = [
  {
    name: "gate-overhead",
    file: "gate-overhead.mjs",
    limit: [40, 300],
    figures: (j) => {
      const out = []
      for (const l of j.lookups_per_second) {
        const at = `${n0(l.keys)} keys, ${n0(l.wildcard_rules)} wildcards`
        const id = `gate.lookup.${l.keys}k.${l.wildcard_rules}w`
        out.push(figure({
          id: `${id}.accept`,
          name: `Gate check accept, ${at} [Map.get miss]`,
          description: "shouldAcceptWork for keys with no row (the hot path: every prefix.* rule of the domain is checked) vs Map.get missing on a Map of the same keys",
          unit: "lookups/s",
          median: l.accept,
          p99: l.accept_p99_rate ?? null,
          baseline: l.baseline_map_miss
        }))
        out.push(figure({
          id: `${id}.refuse`,
          name: `Gate check refuse, ${at} [Map.get hit]`,
          description: "shouldAcceptWork for keys with a paused row vs Map.get hitting on a Map of the same keys",
          unit: "lookups/s",
          median: l.refuse,
          p99: l.refuse_p99_rate ?? null,
          baseline: l.baseline_map_hit
        }))
        if (l.refuse_by_wildcard !== null && l.refuse_by_wildcard !== undefined) {
          out.push(figure({
            id: `${id}.refuse_wildcard`,
            name: `Gate check refuse by wildcard, ${at} [Map.get hit]`,
            description: "shouldAcceptWork for keys covered by a paused wN.* rule vs Map.get hit",
            unit: "lookups/s",
            median: l.refuse_by_wildcard,
            p99: l.refuse_by_wildcard_p99_rate ?? null,
            baseline: l.baseline_map_hit
          }))
        }
      }
      const g = j.gate_run_ns
      out.push(figure({
        id: "gate.run_overhead",
        name: "Gated run overhead, ns added per run [Effect.void]",
        description: "gate.run(task, accepting key, Effect.void) minus Effect.void, ns per run (median of pairwise batch differences); ratio = whole gated run / Effect.void",
        unit: "ns/run added",
        n: g.batches,
        median: g.added,
        p99: g.added_p99 ?? null,
        baseline: g.baseline_effect_void,
        ratio: ratioOf(g.gate_run, g.baseline_effect_void),
        target: `<= ${n0(g.target_added)} ns`,
        verdict: g.verdict,
        gate_run_ns: g.gate_run
      }))
      return out
    }
  },
  {
    name: "supervisor-propagation",
    file: "supervisor-propagation.mjs",
    limit: [40, 300],
    figures: (j) =>
      [["watchers on", "on"], ["watchers off", "off"]].map(([mode, id]) => {
        const m = j.modes[mode]
        return figure({
          id: `propagation.watchers_${id}`,
          name: `Propagation, ${mode}${id === "off" ? `, poll ${j.poll_interval_ms} ms` : ""} [data_version spin]`,
          description: `another process commits a pause/resume -> this process's shouldAcceptWork flips (ms); baseline: spinning on PRAGMA data_version of a second connection${id === "off" ? "; the target (poll + 20 ms) is the bench's, not the issue's" : ""}`,
          unit: "ms",
          n: m.all.n,
          median: m.all.p50,
          p99: m.all.p99,
          baseline: j.baseline.p99,
          basis: "p99",
          target: `p99 <= ${m.target_p99_ms} ms`,
          verdict: m.all.verdict,
          timeouts: j.timeouts,
          errors: m.errors,
          watching: m.watching
        })
      })
  },
  {
    name: "cold-start",
    file: "cold-start.mjs",
    limit: [40, 240],
    figures: (j) => {
      const base = j.results.find((x) => x.baseline)
      return j.results
        .filter((x) => !x.baseline)
        .map((x) => {
          const command = x.name.replace(/^node \S+ /, "oneiric ")
          const id = `cli.cold_start.${command.replace(/^oneiric /, "").replace(/--/g, "").replace(/\W+/g, "_").replace(/^_|_$/g, "")}`
          if (x.skipped) return figure({ id, name: `Cold start: ${command}`, unit: "ms", median: null, verdict: "skipped", note: x.skipped })
          return figure({
            id,
            name: `Cold start: ${command} [node -e 0]`,
            description: "wall time of the CLI process (median of the runs) vs node -e 0 in the same run",
            unit: "ms",
            n: j.runs,
            median: x.median_ms,
            p99: x.p99_ms,
            baseline: base?.median_ms ?? null,
            ratio: x.ratio,
            target: `<= ${j.limit}x base`,
            verdict: x.pass ? "PASS" : "FAIL",
            runner: j.runner
          })
        })
    }
  },
  {
    name: "store-transitions",
    file: "store-transitions.mjs",
    limit: [40, 240],
    figures: (j) => {
      const one = j.single_writer
      const four = j.four_writers
      return [
        figure({
          id: "store.transitions.single_writer",
          name: "Store transitions, 1 writer [better-sqlite3]",
          description: "store.transition (row + history + feed), median and slowest-1 % rate over 200-transition windows; the verdict is on the total rate over the run; baseline: the same statements through better-sqlite3",
          unit: "transitions/s",
          n: Math.round((one.store.per_second * j.duration_ms) / 1000),
          median: one.store.window_median_per_second,
          p99: one.store.window_p99_per_second ?? null,
          baseline: one.baseline_better_sqlite3.window_median_per_second,
          target: `>= ${n0(one.target_per_second)}/s total (${n0(one.store.per_second)})`,
          verdict: one.verdict,
          total_per_second: one.store.per_second,
          baseline_total_per_second: one.baseline_better_sqlite3.per_second,
          latency_ms: { p50: one.store.p50_ms, p99: one.store.p99_ms },
          errors: one.store.errors
        }),
        figure({
          id: "store.transitions.four_writers",
          name: `Store transitions, ${four.store.writers} processes, total [better-sqlite3]`,
          description: "total rate of 4 writer processes on one file (no windows: median = total rate)",
          unit: "transitions/s",
          n: four.store.count,
          median: four.store.per_second,
          baseline: four.baseline_better_sqlite3.per_second,
          latency_ms: { p50: four.store.latency_p50_ms, p99: four.store.latency_p99_ms },
          errors: four.store.errors
        })
      ]
    }
  },
  {
    name: "supervisor-idle-tick",
    file: "supervisor-idle-tick.mjs",
    limit: [40, 240],
    figures: (j) => {
      const keys = n0(j.keys)
      const idle = j.idle_tick_ms
      const change = j.one_change_ms
      return [
        figure({
          id: "store.idle_tick",
          name: `Idle tick, ${keys} keys [data_version]`,
          description: "supervisor.refresh with nothing changed vs PRAGMA data_version through an @effect/sql SqliteClient",
          unit: "ms",
          n: idle.refresh.n,
          median: idle.refresh.p50,
          p99: idle.refresh.p99,
          baseline: idle.baseline_effect_sql_data_version.p50,
          target: `<= ${idle.target_p50} ms`,
          verdict: idle.verdict
        }),
        figure({
          id: "store.one_change",
          name: `One change applied, ${keys} keys [changesSince]`,
          description: "supervisor.refresh applying one change written by another connection vs store.changesSince for that change",
          unit: "ms",
          n: change.refresh.n,
          median: change.refresh.p50,
          p99: change.refresh.p99,
          baseline: change.baseline_changesSince.p50,
          target: `<= ${change.target_p50} ms`,
          verdict: change.verdict,
          missed: change.missed
        }),
        figure({
          id: "store.rss",
          name: `RSS, ${keys} keys loaded [RSS before]`,
          description: "process RSS after a forced GC right after the supervisor loaded the keys vs before it was built",
          unit: "MB",
          median: j.rss_mb.after,
          baseline: j.rss_mb.before,
          basis: "value",
          target: `<= ${j.rss_mb.target} MB`,
          verdict: j.rss_mb.verdict,
          later_mb: j.rss_mb.later,
          later_s: j.rss_mb.later_s
        }),
        figure({
          id: "store.load",
          name: `Initial load, ${keys} keys`,
          unit: "ms",
          median: j.load_ms,
          basis: "value"
        })
      ]
    }
  },
  {
    name: "drain",
    file: "drain.mjs",
    limit: [40, 240],
    figures: (j) => [
      figure({
        id: "drain.return",
        name: "Drain: last completion -> drain --wait exits [CLI --version]",
        description: "from the last in-flight completion in a worker process to the real drain --wait CLI process exiting (its poll, output and teardown included) vs the same CLI's cold start (--version)",
        unit: "ms",
        n: j.drain_return_ms.n,
        median: j.drain_return_ms.p50,
        p99: j.drain_return_ms.p99,
        baseline: j.baseline_cli_version_cold_start_ms.p50,
        target: `<= ${j.target_p50_ms} ms`,
        verdict: j.verdict,
        detect_ms: j.detect_ms,
        teardown_ms: j.teardown_ms,
        late_excluded: j.late_excluded,
        failures: j.failures
      })
    ]
  },
  {
    name: "activity-read",
    file: "activity-read.mjs",
    limit: [90, 300],
    figures: (j) => {
      if (j.skipped) return [figure({ id: "activity.read", name: "activity at 100,000 keys", unit: "ms", median: null, verdict: "skipped", note: j.skipped })]
      const keys = n0(j.keys)
      return [
        figure({
          id: "activity.json",
          name: `activity --json, ${keys} keys [python3 sqlite3 + json.dumps]`,
          description: "the bundled CLI, process start to exit, stdout to /dev/null, vs a python3 process doing what the original's store does (one SELECT of every row through the sqlite3 module into dicts, then json.dumps) on the same file, interleaved",
          unit: "ms",
          n: j.json.n,
          median: j.json.p50,
          p99: j.json.p99,
          baseline: j.python.p50,
          target: `<= ${j.target_ratio}x python`,
          verdict: j.json_verdict,
          bytes: j.json.bytes,
          baseline_bytes: j.python.bytes
        }),
        figure({
          id: "activity.text",
          name: `activity (text), ${keys} keys [activity --json]`,
          description: "the text table, same runs, vs activity --json (the issue: no slower than --json)",
          unit: "ms",
          n: j.text.n,
          median: j.text.p50,
          p99: j.text.p99,
          baseline: j.json.p50,
          target: `<= ${j.target_ratio}x --json`,
          verdict: j.text_verdict,
          vs_python: j.text_vs_python
        })
      ]
    }
  },
  {
    name: "console-paint",
    file: "console-paint.mjs",
    limit: [60, 180],
    figures: (j) => {
      if (j.skipped) return [figure({ id: "console.first_paint", name: "console first paint", unit: "ms", median: null, verdict: "skipped", note: j.skipped })]
      return [figure({
        id: "console.first_paint",
        name: `Console first paint, ${n0(j.keys)} keys [the empty page's first paint]`,
        description: "oneiric run's console in headless Chromium, a fresh tab per load: navigation start to the key count painted (Element Timing), vs the page's first contentful paint in the same load",
        unit: "ms",
        n: j.painted.n,
        median: j.painted.p50,
        p99: j.painted.p99,
        baseline: j.shell.p50,
        target: `<= ${j.target_ms} ms`,
        verdict: j.verdict
      })]
    }
  },
  {
    name: "pg-transitions",
    file: "pg-transitions.mjs",
    limit: [150, 400],
    figures: (j) => {
      if (j.skipped) return [figure({ id: "pg.transitions", name: "PostgreSQL store transitions", unit: "transitions/s", median: null, verdict: "skipped", note: j.skipped })]
      const one = j.single_writer
      const eight = j.eight_writers
      const description = (writers) =>
        `store.transition on the shared PostgreSQL store (advisory write lock, row, trigger-fed feed + NOTIFY, history), ${writers}; median of interleaved phases; baseline: the same statements on the raw pg driver in the other phases`
      return [
        figure({
          id: "pg.transitions.single_writer",
          name: "PostgreSQL transitions, 1 writer [pg driver]",
          description: description("1 writer"),
          unit: "transitions/s",
          n: one.store.count,
          median: one.store.per_second,
          baseline: one.baseline_pg.per_second,
          latency_ms: { p50: one.store.p50_ms, p99: one.store.p99_ms },
          errors: one.store.errors
        }),
        figure({
          id: "pg.transitions.eight_writers",
          name: `PostgreSQL transitions, ${eight.writers} processes, total [pg driver]`,
          description: description(`${eight.writers} writer processes`),
          unit: "transitions/s",
          n: eight.store.count,
          median: eight.store.per_second,
          baseline: eight.baseline_pg.per_second,
          latency_ms: { p50: eight.store.p50_ms, p99: eight.store.p99_ms },
          errors: eight.store.errors
        })
      ]
    }
  },
  {
    name: "pg-propagation",
    file: "pg-propagation.mjs",
    limit: [120, 400],
    figures: (j) => {
      if (j.skipped) return [figure({ id: "pg.propagation", name: "PostgreSQL propagation", unit: "ms", median: null, verdict: "skipped", note: j.skipped })]
      const every = (id, replicas, x, target) =>
        figure({
          id: `pg.propagation.${id}`,
          name: `Commit -> every replica enforcing, ${replicas} replicas [NOTIFY delivered]`,
          description: "another process commits a pause; time until every replica's supervisor has applied it (LISTEN/NOTIFY, poll 250 ms as fallback) vs a raw pg LISTEN receiving the NOTIFY",
          unit: "ms",
          n: x.every.n,
          median: x.every.p50,
          p99: x.every.p99,
          baseline: x.baseline_notify.p99,
          basis: "p99",
          ...(target ? { target: `p99 <= ${j.target_p99_ms} ms (aim ${j.aim_p99_ms})`, verdict: x.verdict } : {}),
          timeouts: x.timeouts
        })
      return [
        every("two_replicas", 2, j.two_replicas, true),
        every("four_replicas", 4, j.four_replicas, false),
        figure({
          id: "pg.pause_wait",
          name: "CLI pause --wait round trip, 2 replicas [CLI pause]",
          description: "the real CLI process, start to exit, returning once both replicas acknowledged (applied 2/2) vs the same CLI pause without --wait",
          unit: "ms",
          n: j.pause_wait.wait_ms.n,
          median: j.pause_wait.wait_ms.p50,
          p99: j.pause_wait.wait_ms.p99,
          baseline: j.pause_wait.baseline_plain_pause_ms.p50,
          waited_ms: j.pause_wait.waited_ms,
          failures: j.pause_wait.failures
        })
      ]
    }
  },
  {
    name: "health-writer",
    file: "health-writer.mjs",
    limit: [30, 240],
    figures: (j) => {
      const at = `${n0(j.active_keys)} active keys`
      return [
        figure({
          id: "health.write",
          name: `Health writeNow, ${at} [writeFileSync+rename]`,
          description: "HealthSnapshot.writeNow (build + encode + temp file + fsync + rename + dir fsync) vs writeFileSync of the same bytes + rename",
          unit: "ms/write",
          n: j.write_ms.n,
          median: j.write_ms.p50,
          p99: j.write_ms.p99,
          baseline: j.baseline_writeFileSync_rename_ms.p50,
          build_only_ms: j.build_only_current_ms,
          fsync_write_ms: j.writeFileSync_fsync_rename_fsyncdir_ms
        }),
        figure({
          id: "health.writes_per_second",
          name: `Health writes/s, ${at} [writeFileSync+rename]`,
          description: "1000 / ms per write",
          unit: "writes/s",
          n: j.write_ms.n,
          median: 1000 / j.write_ms.p50,
          p99: 1000 / j.write_ms.p99,
          baseline: 1000 / j.baseline_writeFileSync_rename_ms.p50,
          back_to_back_per_second: j.writes_per_second
        }),
        figure({
          id: "health.bytes",
          name: `Health snapshot size, ${at}`,
          unit: "bytes",
          median: j.bytes,
          basis: "value"
        })
      ]
    }
  }
]

const selected = flags.only === null ? SCRIPTS : SCRIPTS.filter((s) => flags.only.includes(s.name))
if (flags.only !== null) {
  const unknown = flags.only.filter((name) => !SCRIPTS.some((s) => s.name === name))
  if (unknown.length > 0) {
    process.stderr.write(`unknown script(s): ${unknown.join(", ")}; known: ${SCRIPTS.map((s) => s.name).join(", ")}\n`)
    process.exit(2)
  }
}

// ------------------------------------------------------------------------------------------------ running them

let current = null
const stopGroup = (child, signal) => {
  try {
    process.kill(-child.pid, signal) // the script's own process group (spawned detached): it and its children
  } catch {
    // already gone
  }
}
process.on("SIGINT", () => {
  if (current !== null) stopGroup(current, "SIGINT")
  process.exit(130)
})

/** Runs one script; resolves with { ms, ok, exit_code, timed_out, error, json, stderr_tail }. */
const runScript = (script) =>
  new Promise((resolve) => {
    const args = [path.join(benchDir, script.file), "--json", ...(flags.quick ? ["--quick"] : [])]
    const env = { ...process.env, ...(flags.quick ? { BENCH_QUICK_SCALE: String(flags.quickScale) } : {}) }
    const started = performance.now()
    // Its own process group, so that a time-out stops the writers/workers it started too.
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
    current = child
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-20_000)))
    const limitS = Number(process.env.BENCH_RUN_LIMIT_S) > 0 ? Number(process.env.BENCH_RUN_LIMIT_S) : script.limit[flags.quick ? 0 : 1]
    let killTimer = null
    const timer = setTimeout(() => {
      timedOut = true
      // SIGINT first: the scripts remove their temp dirs on it; then SIGKILL whatever is left.
      stopGroup(child, "SIGINT")
      killTimer = setTimeout(() => stopGroup(child, "SIGKILL"), 3_000)
    }, limitS * 1000)
    let exited = null
    let finished = false
    const finish = (code, signal, spawnError) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      const ms = (exited?.at ?? performance.now()) - started
      current = null
      let json = null
      const text = stdout.trim()
      try {
        json = JSON.parse(text)
      } catch {
        // one JSON object per line at the end is fine too
        const last = text.split("\n").filter((l) => l.trim().startsWith("{")).pop()
        try {
          json = last === undefined ? null : JSON.parse(last)
        } catch {
          json = null
        }
      }
      // After a time-out or a crash, stop whatever the script left behind in its group.
      if (timedOut || json === null) stopGroup(child, "SIGKILL")
      if (killTimer !== null) clearTimeout(killTimer)
      const stderrTail = stderr.trim().split("\n").slice(-6).join("\n")
      let error = null
      if (spawnError) error = `could not start: ${spawnError.message}`
      else if (timedOut) error = `timed out after ${limitS} s`
      else if (json === null) error = `exit ${code ?? signal}, no JSON on stdout${stderrTail ? `: ${stderrTail.split("\n").pop()}` : ""}`
      resolve({ ms: Math.round(ms), ok: error === null, exit_code: code ?? signal ?? null, timed_out: timedOut, error, json, stderr_tail: error === null ? undefined : stderrTail })
    }
    child.once("error", (e) => finish(null, null, e))
    // `exit` ends the timing; `close` (all output read) may wait for a grandchild holding the pipes: at most 2 s.
    child.once("exit", (code, signal) => {
      exited = { at: performance.now(), code, signal }
      setTimeout(() => {
        child.stdout.destroy()
        child.stderr.destroy()
        finish(code, signal, null)
      }, 2_000).unref()
    })
    child.once("close", (code, signal) => finish(code ?? exited?.code, signal ?? exited?.signal, null))
  })

// ------------------------------------------------------------------------------------------------ the run

const cpus = os.cpus()
const loadStart = os.loadavg()
const startedAt = new Date()
const wallStart = performance.now()

/** Is the library build older than the newest file under src/? (Others may be mid-edit: say so, never rebuild.) */
const buildInfo = (() => {
  const newest = (dir) => {
    let best = 0
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name)
      best = Math.max(best, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs)
    }
    return best
  }
  const stat = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : null)
  const lib = stat(path.join(root, "dist", "index.js"))
  const bin = stat(path.join(root, "dist", "oneiric.cjs"))
  const src = fs.existsSync(path.join(root, "src")) ? newest(path.join(root, "src")) : null
  const git = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" })
  return {
    commit: git.status === 0 ? git.stdout.trim() : null,
    dist_index_mtime: lib === null ? null : new Date(lib).toISOString(),
    dist_cli_mtime: bin === null ? null : new Date(bin).toISOString(),
    newest_src_mtime: src === null ? null : new Date(src).toISOString(),
    stale: lib === null || bin === null || (src !== null && src > Math.min(lib, bin))
  }
})()

process.stderr.write(
  `bench: ${flags.quick ? `quick run (BENCH_QUICK_SCALE=${flags.quickScale})` : "full run"}, ${selected.length} scripts, node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? "?"}, load ${loadStart.map((x) => x.toFixed(2)).join(" ")}\n`
)
if (buildInfo.stale) process.stderr.write("bench: note: dist/ is missing or older than src/: figures are for the last build (npx tsup)\n")

const scripts = {}
// Run the start-up timing first, before the CPU-heavy scripts warm the machine up (the propagation
// bench keeps a core spinning for a minute); the table keeps the issue's order.
const runOrder = [...selected.filter((s) => s.name === "cold-start"), ...selected.filter((s) => s.name !== "cold-start")]
for (const script of runOrder) {
  process.stderr.write(`bench: ${script.name} ... `)
  scripts[script.name] = await runScript(script)
  process.stderr.write(`${(scripts[script.name].ms / 1000).toFixed(1)} s ${scripts[script.name].ok ? "ok" : `ERROR: ${scripts[script.name].error}`}\n`)
}
const figures = []
for (const script of selected) {
  const result = scripts[script.name]
  if (result.ok) {
    try {
      for (const f of script.figures(result.json)) figures.push({ script: script.name, ...f })
    } catch (error) {
      result.ok = false
      result.error = `unexpected JSON shape: ${error.message}`
    }
  }
  if (!result.ok) {
    figures.push(figure({ id: `${script.name}.error`, name: `${script.name}: ${result.error}`, unit: "-", median: null, verdict: "error" }))
    figures[figures.length - 1].script = script.name
  }
}

const wallMs = performance.now() - wallStart
const loadEnd = os.loadavg()
const results = {
  generated_at: startedAt.toISOString(),
  quick: flags.quick,
  quick_scale: flags.quick ? flags.quickScale : null,
  wall_ms: Math.round(wallMs),
  build: buildInfo,
  machine: {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: { model: cpus[0]?.model ?? "unknown", count: cpus.length },
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    load_avg_start: loadStart.map((x) => Math.round(x * 100) / 100),
    load_avg_end: loadEnd.map((x) => Math.round(x * 100) / 100)
  },
  figures,
  scripts
}
// A partial run (--only) does not overwrite the results of a whole one.
if (flags.only === null) {
  const temp = `${resultsFile}.tmp`
  fs.writeFileSync(temp, JSON.stringify(results, null, 2) + "\n")
  fs.renameSync(temp, resultsFile)
}

// ------------------------------------------------------------------------------------------------ the table

const fmtValue = (x, unit) => {
  if (x === null || x === undefined) return "-"
  const abs = Math.abs(x)
  if (unit.endsWith("/s") && abs >= 1e6) return `${(x / 1e6).toFixed(2)}M`
  if (abs >= 1000) return Math.round(x).toLocaleString("en-US")
  if (abs >= 100) return x.toFixed(1)
  if (abs >= 1) return x.toFixed(2)
  if (abs === 0) return "0"
  return x.toPrecision(3)
}
const fmtRatio = (f) => {
  if (f.ratio === null) return "-"
  const digits = f.ratio >= 100 ? 0 : f.ratio >= 10 ? 1 : f.ratio >= 0.01 ? 2 : 4
  return `${f.ratio.toFixed(digits)}${f.basis === "p99" ? " (p99)" : ""}`
}
const columns = ["figure", "unit", "n", "median", "p99", "baseline", "ratio", "target", "verdict"]
const rows = figures.map((f) => [
  f.name,
  f.unit,
  f.n === null ? "-" : n0(f.n),
  fmtValue(f.median, f.unit),
  fmtValue(f.p99, f.unit),
  fmtValue(f.baseline, f.unit),
  fmtRatio(f),
  f.target ?? "-",
  f.verdict
])
const widths = columns.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
const line = (row) => row.map((c, i) => (i === 0 || i === 1 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd()
const count = (v) => figures.filter((f) => f.verdict === v).length
// The run itself keeps a core or so busy, so only the load before it says whether others were using the machine.
const busy = loadStart[0] > cpus.length * 0.5
const out = [
  `oneiric-supervisor benchmarks: ${flags.quick ? `quick run (scale ${flags.quickScale})` : "full run"}, ${startedAt.toISOString()}, wall ${(wallMs / 1000).toFixed(1)} s`,
  `node ${process.version} ${process.platform}/${process.arch}, ${cpus.length} x ${cpus[0]?.model ?? "?"}, ${results.machine.memory_gb} GB; load avg ${loadStart.map((x) => x.toFixed(2)).join(" ")} -> ${loadEnd.map((x) => x.toFixed(2)).join(" ")}; build ${buildInfo.commit ?? "?"}${buildInfo.stale ? " (dist/ older than src/)" : ""}`,
  "",
  line(columns),
  widths.map((w) => "-".repeat(w)).join("  "),
  ...rows.map(line),
  "",
  `${count("PASS")} PASS, ${count("FAIL")} FAIL, ${count("error")} error, ${figures.length - count("PASS") - count("FAIL") - count("error")} without target. [..] names the baseline; ratio = median / baseline median ("(p99)": p99 / baseline p99; gated run: whole run / baseline); for rates the p99 column is the rate of the slowest 1 % of batches or windows. Details: bench/results.json.`,
  `scripts: ${Object.entries(scripts).map(([name, s]) => `${name} ${(s.ms / 1000).toFixed(1)} s${s.ok ? "" : " (error)"}`).join(", ")}`,
  busy ? `note: the machine was busy before the run (1-min load average ${loadStart[0].toFixed(2)} on ${cpus.length} cpus): time figures may be noisy` : "",
  flags.only === null ? `written: ${path.relative(process.cwd(), resultsFile) || resultsFile}` : "not written (--only)"
].filter((l, i, all) => l !== "" || (i > 0 && all[i - 1] !== ""))
process.stdout.write(out.join("\n") + "\n")

process.exitCode = flags.strict && (count("FAIL") > 0 || count("error") > 0) ? 1 : 0
