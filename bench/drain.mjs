// Drain: how long after the last in-flight unit of work completes does `oneiric drain --wait` return?
//
//   node bench/drain.mjs [--quick] [--json]
//
// A worker child (this file with --worker DIR) builds `RuntimeLive({ cacheDir: DIR, env: {}, cwd: DIR })` from
// dist/index.js with `LoggerLive` (the full runtime stack: config, store, supervisor, gate, instance heartbeat at its
// default period) and, on request, starts 3 gated units of work under `task/<key>` (Effect.sleep of staggered
// lengths). Each unit records its completion time at its very end, inside `gate.run` (just before the in-flight count
// drops): performance.timeOrigin + performance.now(), printed on stdout with whether the worker had already applied
// the drain by then.
//
// Per trial (a fresh key each): the worker starts the 3 units; this process at once spawns the real CLI
// `node dist/bin.cjs --cache-dir DIR drain --domain task --key K --wait --timeout 30s --json` and records the wall
// time (same clock formula) at which the CLI process exits. Figure: CLI exit − last completion, ms. It includes the
// worker publishing its in-flight counts, the CLI's poll of the instance table (every 20 ms), its JSON output and its
// own exit/teardown. Decomposed (not judged): last completion → the CLI's JSON on stdout (detection) and JSON →
// process exit (teardown).
//
// The units end DELAY, DELAY + 60 and DELAY + 120 ms after the start, where DELAY = max(500 ms, 3 × the CLI cold
// start) so that the CLI has written the drain and is polling well before the last completion. A trial in which the
// worker had not yet applied the drain at the last completion measures the CLI's start-up, not the drain: it is
// excluded and counted ("late"), and DELAY grows by half.
//
// Baseline (same run): the same CLI's cold start, `node dist/bin.cjs --version` (median of the runs), so the ratio
// relates the drain's return latency to one bare start+exit of the CLI.
//
// Target (issue): median ≤ 100 ms after the last completion (p99 shown). --quick: 5 trials, 5 baseline runs;
// default 20 trials, 10 baseline runs.
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import readline from "node:readline"
import { fileURLToPath } from "node:url"
import { loadLibrary, loadNote, machine, now, parseArgs, report, root, round, sleep, summary, table, tempDir, verdict } from "./lib.mjs"

const flags = parseArgs("usage: node bench/drain.mjs [--quick] [--json]", ["--worker"])
const lib = await loadLibrary()

// ------------------------------------------------------------------------------------------------ worker mode

if (flags.worker !== undefined) {
  const cacheDir = flags.worker
  const layer = Layer.provideMerge(lib.RuntimeLive({ cacheDir, env: {}, cwd: cacheDir }), lib.LoggerLive)
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const supervisor = Context.get(context, lib.Supervisor)
  const gate = Context.get(context, lib.WorkGate)
  await Effect.runPromise(supervisor.awaitReady)
  const out = (line) => process.stdout.write(line + "\n")
  out("ready")

  const lines = readline.createInterface({ input: process.stdin })
  lines.on("line", (line) => {
    // `start <key> <ms>,<ms>,…`
    const [op, key, list] = line.trim().split(/\s+/)
    if (op !== "start") return
    const lengths = list.split(",").map(Number)
    if (!supervisor.shouldAcceptWork("task", key)) return out(`refused ${key}`)
    lengths.forEach((ms, i) => {
      const unit = Effect.sleep(ms).pipe(
        Effect.zipRight(Effect.sync(() => {
          const at = now()
          out(`done ${key} ${i} ${at} ${supervisor.stateOf("task", key).draining ? 1 : 0}`)
        }))
      )
      Effect.runFork(Effect.provide(gate.run("task", key, unit), context))
    })
    out(`started ${key} ${gate.inflight("task", key)}`)
  })
  const stop = async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    process.exit(0)
  }
  lines.on("close", stop)
  process.on("SIGTERM", stop)
} else {
  await main()
}

// ------------------------------------------------------------------------------------------------ the bench

async function main() {
  const TRIALS = flags.quick ? 5 : 20
  const BASELINE_RUNS = flags.quick ? 5 : 10
  const TARGET_MS = 100
  const STAGGER_MS = 60
  const UNITS = 3

  const dir = tempDir("bench-drain-")
  const cacheDir = path.join(dir, "cache")
  fs.mkdirSync(cacheDir)
  const bin = path.join(root, "dist", "bin.cjs")
  if (!fs.existsSync(bin)) {
    process.stderr.write(`drain: ${bin} is missing; build it first with \`npx tsup\`\n`)
    process.exit(2)
  }
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_")))

  /** Runs the CLI once; resolves with its exit time, exit code, stdout and the time its stdout first had data. */
  const cli = (args) =>
    new Promise((resolve, reject) => {
      const startedAt = now()
      const argv = args[0] === "--version" ? args : ["--cache-dir", cacheDir, ...args]
      const child = spawn(process.execPath, [bin, ...argv], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      let firstOutputAt = null
      child.stdout.on("data", (chunk) => {
        if (firstOutputAt === null) firstOutputAt = now()
        stdout += chunk
      })
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.on("error", reject)
      child.on("exit", (code, signal) => {
        const exitAt = now()
        resolve({ startedAt, exitAt, firstOutputAt, code: code ?? signal, stdout, stderr })
      })
    })

  // The CLI creates the store (and its migrations) before any worker opens it.
  const first = await cli(["activity", "--json"])
  if (first.code !== 0) throw new Error(`\`oneiric activity --json\` exited ${first.code}: ${first.stderr.trim().split("\n").slice(-2).join(" | ")}`)

  // Baseline: the CLI's own cold start (one warm-up).
  await cli(["--version"])
  const coldStart = []
  for (let i = 0; i < BASELINE_RUNS; i++) {
    const r = await cli(["--version"])
    if (r.code !== 0) throw new Error(`\`oneiric --version\` exited ${r.code}`)
    coldStart.push(r.exitAt - r.startedAt)
  }
  const base = summary(coldStart)

  // The worker.
  const worker = spawn(process.execPath, [fileURLToPath(import.meta.url), "--worker", cacheDir], { cwd: dir, env, stdio: ["pipe", "pipe", "pipe"] })
  let workerErr = ""
  worker.stderr.on("data", (chunk) => (workerErr = (workerErr + chunk).slice(-4000)))
  const waiters = []
  const events = []
  readline.createInterface({ input: worker.stdout }).on("line", (line) => {
    events.push(line)
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(line)
      }
    }
  })
  const workerExit = new Promise((resolve) => worker.once("exit", resolve))
  const expect = (match, timeoutMs, what) =>
    new Promise((resolve, reject) => {
      const found = events.find(match)
      if (found !== undefined) return resolve(found)
      const w = { match, resolve }
      waiters.push(w)
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1)
        reject(new Error(`worker: no ${what} within ${timeoutMs} ms; stderr: ${workerErr.trim().split("\n").slice(-3).join(" | ")}`))
      }, timeoutMs)
      timer.unref()
      workerExit.then((code) => reject(new Error(`worker exited (${code}) before ${what}; stderr: ${workerErr.trim().split("\n").slice(-3).join(" | ")}`)))
    })
  await expect((l) => l === "ready", 30_000, "ready")

  let delayMs = Math.max(500, Math.ceil(3 * base.p50))
  const trials = []
  let late = 0
  let failures = 0
  const failureDetails = []
  for (let i = 0; trials.length < TRIALS && i < TRIALS * 3; i++) {
    const key = `drain-${i}`
    const lengths = Array.from({ length: UNITS }, (_, u) => delayMs + u * STAGGER_MS)
    worker.stdin.write(`start ${key} ${lengths.join(",")}\n`)
    const started = await expect((l) => l.startsWith(`started ${key} `) || l === `refused ${key}`, 10_000, `start of ${key}`)
    if (started.startsWith("refused")) throw new Error(`worker refused work under task/${key}`)
    const run = await cli(["drain", "--domain", "task", "--key", key, "--wait", "--timeout", "30s", "--json"])
    const done = await Promise.all(Array.from({ length: UNITS }, (_, u) => expect((l) => l.startsWith(`done ${key} ${u} `), 60_000, `completion ${u} of ${key}`)))
    const completions = done.map((l) => {
      const [, , , at, seen] = l.split(" ")
      return { at: Number(at), drainSeen: seen === "1" }
    })
    const lastDone = completions.reduce((a, b) => (b.at > a.at ? b : a))
    let report = null
    try {
      report = JSON.parse(run.stdout)
    } catch {
      // below
    }
    const drained = report?.wait?.drained === true
    if (run.code !== 0 || !drained) {
      failures++
      failureDetails.push(`trial ${i}: exit ${run.code}, drained ${report?.wait?.drained}; ${run.stderr.trim().split("\n").slice(-1)[0] ?? ""}`)
      continue
    }
    if (!lastDone.drainSeen) {
      // The CLI was not yet waiting when the work ended: this measured its start-up. Give it more time.
      late++
      delayMs = Math.ceil(delayMs * 1.5)
      continue
    }
    trials.push({
      total: run.exitAt - lastDone.at,
      detect: run.firstOutputAt === null ? NaN : run.firstOutputAt - lastDone.at,
      teardown: run.firstOutputAt === null ? NaN : run.exitAt - run.firstOutputAt,
      waitedMs: report.wait.waitedMs,
      cliMs: run.exitAt - run.startedAt
    })
    await sleep(50)
  }
  worker.stdin.end()
  await Promise.race([workerExit, sleep(5_000)])
  if (worker.exitCode === null) worker.kill("SIGKILL")

  const s = summary(trials.map((t) => t.total))
  const detect = summary(trials.map((t) => t.detect))
  const teardown = summary(trials.map((t) => t.teardown))
  const cliTotal = summary(trials.map((t) => t.cliMs))
  const v = trials.length === 0 ? "FAIL" : verdict(s.p50, TARGET_MS)
  const r = (x) => round(x, 2)
  const json = {
    bench: "drain",
    quick: flags.quick,
    machine: machine(),
    unit: "ms from the last in-flight completion (worker clock) to the drain --wait CLI process exiting (this process's clock)",
    trials: trials.length,
    trials_wanted: TRIALS,
    late_excluded: late,
    failures,
    failure_details: failureDetails.slice(0, 5),
    units_per_trial: UNITS,
    last_delay_ms: delayMs,
    stagger_ms: STAGGER_MS,
    drain_return_ms: { n: s.n, min: r(s.min), p50: r(s.p50), p90: r(s.p90), p99: r(s.p99), max: r(s.max) },
    detect_ms: { p50: r(detect.p50), p99: r(detect.p99) },
    teardown_ms: { p50: r(teardown.p50), p99: r(teardown.p99) },
    cli_total_ms: { p50: r(cliTotal.p50), p99: r(cliTotal.p99) },
    baseline_cli_version_cold_start_ms: { n: base.n, p50: r(base.p50), p99: r(base.p99) },
    ratio_p50_vs_baseline: round(s.p50 / base.p50, 3),
    target_p50_ms: TARGET_MS,
    verdict: v,
    note: loadNote()
  }
  const text = [
    `drain --wait return after the last completion (ms; ${trials.length} trials of ${UNITS} units, ${flags.quick ? "quick" : "full"} run)`,
    table(["measure", "n", "min", "median", "p99", "max", "ratio", "target", "verdict"], [
      ["baseline: node dist/bin.cjs --version (cold start)", base.n, base.min, base.p50, base.p99, base.max, "1.00", "-", "-"],
      ["last completion -> drain --wait exits", s.n, s.min, s.p50, s.p99, s.max, (s.p50 / base.p50).toFixed(2), `median <= ${TARGET_MS}`, v],
      ["  last completion -> JSON on the CLI's stdout", detect.n, detect.min, detect.p50, detect.p99, detect.max, "-", "-", "-"],
      ["  JSON on stdout -> CLI process exit", teardown.n, teardown.min, teardown.p50, teardown.p99, teardown.max, "-", "-", "-"],
      ["  whole drain --wait CLI run (start -> exit)", cliTotal.n, cliTotal.min, cliTotal.p50, cliTotal.p99, cliTotal.max, "-", "-", "-"]
    ]),
    `units end ${delayMs}+0/${STAGGER_MS}/${2 * STAGGER_MS} ms after the start; trials excluded because the CLI was not yet waiting: ${late}; failed trials: ${failures}`,
    ...failureDetails.slice(0, 3),
    json.note ?? ""
  ].join("\n")
  report(flags, json, text.trimEnd())
  process.exit(0)
}
