#!/usr/bin/env node
// Cold-start benchmark of the bundled `oneiric` bin against a bare `node -e 0` on the same machine.
// The requirement: the median of each command is at most 3 times the median of `node -e 0`.
//
//   node bench/cold-start.mjs [--quick] [--json] [--runs N] [--bin PATH] [--no-hyperfine]
//
// --quick         10 runs, 1 warm-up each (well under 30 s); default 30 runs, 3 warm-ups each
// --json          print the figures as JSON on stdout instead of the table
// --runs N        measured runs per command (at least 10)
// --bin PATH      the bin to start (default: package.json "bin".oneiric; build it first)
// --no-hyperfine  time the runs here even when hyperfine is installed
//
// Every command runs in a fresh temporary directory as cwd (the CLI keeps its store in
// ./.oneiric_cache; a `pause` creates it there first, since read commands never create one), once
// before any timing, with the ONEIRIC_* variables removed from the environment so that the
// defaults are measured. `health --probe` is skipped while the CLI rejects
// it as a usage error (exit code 2). With hyperfine the runs are `hyperfine -N`; without it they
// are interleaved (node -e 0, command 1, command 2, node -e 0, ...) so that a machine getting
// busier or quieter shifts all of them alike. Exit code: 0 all pass, 1 one fails, 2 bad usage or a
// command that does not work.
import { spawnSync } from "node:child_process"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

const LIMIT = 3
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const usage = (message) => {
  process.stderr.write(`cold-start: ${message}\nusage: node bench/cold-start.mjs [--quick] [--json] [--runs N] [--bin PATH] [--no-hyperfine]\n`)
  process.exit(2)
}

const argv = process.argv.slice(2)
const flags = { quick: false, json: false, hyperfine: true, runs: undefined, bin: undefined }
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]
  if (arg === "--quick") flags.quick = true
  else if (arg === "--json") flags.json = true
  else if (arg === "--no-hyperfine") flags.hyperfine = false
  else if (arg === "--runs" || arg === "--bin") {
    const value = argv[++i]
    if (value === undefined) usage(`${arg} needs a value`)
    if (arg === "--bin") flags.bin = value
    else {
      flags.runs = Number(value)
      if (!Number.isInteger(flags.runs) || flags.runs < 10) usage("--runs must be an integer of at least 10")
    }
  } else if (arg === "--help" || arg === "-h") {
    process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\nimport ")[0].replace(/^#!.*\n/, "").replace(/^\/\/ ?/gm, ""))
    process.exit(0)
  } else usage(`unknown argument ${arg}`)
}
const runs = flags.runs ?? (flags.quick ? 10 : 30)
const warmup = flags.quick ? 1 : 3

const defaultBin = () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"))
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin?.oneiric
  return path.join(root, bin ?? "dist/bin.js")
}
const bin = path.resolve(flags.bin ?? defaultBin())
if (!fs.existsSync(bin)) usage(`${path.relative(process.cwd(), bin) || bin} does not exist; build first (npm run build)`)

const node = process.execPath
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_")))
const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "oneiric-cold-start-"))
const shown = bin.startsWith(root + path.sep) ? path.relative(root, bin) : bin
const benchmarks = [
  { name: "node -e 0", args: ["-e", "0"], baseline: true },
  { name: `node ${shown} activity --json`, args: [bin, "activity", "--json"] },
  { name: `node ${shown} health --probe`, args: [bin, "health", "--probe"], optional: true },
  { name: `node ${shown} --help`, args: [bin, "--help"] }
]

const spawn = (args) => spawnSync(node, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", timeout: 30_000 })
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
const median = (sorted) => {
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const hasHyperfine = () => flags.hyperfine && spawnSync("hyperfine", ["--version"], { stdio: "ignore" }).status === 0
const quote = (word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

let exitCode = 0
try {
  // A store with a row, as where operators run it (read commands never create one), then one run
  // each first: it creates the bin's code cache where it keeps one, and tells whether the command works at all.
  const setup = spawn([bin, "pause", "--domain", "task", "--key", "cold-start"])
  if (setup.status !== 0) throw new Error(`creating the store failed: ${(setup.stderr || "").trim()}`)
  for (const b of benchmarks) {
    const result = spawn(b.args)
    if (b.optional && result.status === 2) {
      b.skipped = "usage error (exit code 2): the command does not exist yet"
    } else if (result.status !== 0 && !b.optional) {
      const detail = (result.stderr || result.error?.message || "").trim().split("\n").slice(-3).join(" | ")
      throw new Error(`\`${b.name}\` exited ${result.status ?? result.signal}: ${detail}`)
    }
  }
  const measured = benchmarks.filter((b) => !b.skipped)

  let runner
  if (hasHyperfine()) {
    runner = "hyperfine"
    const exported = path.join(cwd, "hyperfine.json")
    const commands = measured.map((b) => [node, ...b.args].map(quote).join(" "))
    const result = spawnSync(
      "hyperfine",
      ["-N", "-i", "-w", String(warmup), "-r", String(runs), "--style", "none", "--export-json", exported, ...commands],
      { cwd, env, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" }
    )
    if (result.status !== 0) throw new Error(`hyperfine failed: ${result.stderr.trim()}`)
    const { results } = JSON.parse(fs.readFileSync(exported, "utf8"))
    measured.forEach((b, i) => (b.times = results[i].times.map((s) => s * 1000)))
  } else {
    runner = "spawnSync"
    for (const b of measured) {
      b.times = []
      for (let i = 0; i < warmup; i++) spawn(b.args)
    }
    for (let i = 0; i < runs; i++) {
      for (const b of measured) {
        const start = process.hrtime.bigint()
        spawn(b.args)
        b.times.push(Number(process.hrtime.bigint() - start) / 1e6)
      }
    }
  }

  const base = measured.find((b) => b.baseline)
  for (const b of measured) {
    const sorted = [...b.times].sort((x, y) => x - y)
    b.median = median(sorted)
    b.p99 = quantile(sorted, 0.99)
    b.min = sorted[0]
    b.mean = sorted.reduce((sum, t) => sum + t, 0) / sorted.length
  }
  for (const b of measured) {
    b.ratio = b.median / base.median
    if (!b.baseline) b.pass = b.ratio <= LIMIT
  }
  const pass = measured.every((b) => b.baseline || b.pass)
  exitCode = pass ? 0 : 1

  const round = (x) => Math.round(x * 10) / 10
  if (flags.json) {
    const report = {
      limit: LIMIT,
      pass,
      runner,
      runs,
      warmup,
      node: process.version,
      bin,
      machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      results: benchmarks.map((b) =>
        b.skipped
          ? { name: b.name, skipped: b.skipped }
          : {
            name: b.name,
            median_ms: round(b.median),
            p99_ms: round(b.p99),
            mean_ms: round(b.mean),
            min_ms: round(b.min),
            ratio: Math.round(b.ratio * 100) / 100,
            ...(b.baseline ? { baseline: true } : { pass: b.pass })
          }
      )
    }
    process.stdout.write(JSON.stringify(report, null, 2) + "\n")
  } else {
    const width = Math.max(...benchmarks.map((b) => b.name.length))
    const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(i === 4 ? 8 : 10))).join("  ")
    const out = [
      `cold start, ${runner}, ${runs} runs after ${warmup} warm-up(s), ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
      line(["command", "median ms", "p99 ms", "ratio", `≤ ${LIMIT}×`]),
      ...benchmarks.map((b) =>
        b.skipped
          ? line([b.name, "skipped", "", "", ""])
          : line([b.name, b.median.toFixed(1), b.p99.toFixed(1), `${b.ratio.toFixed(2)}×`, b.baseline ? "" : b.pass ? "PASS" : "FAIL"])
      ),
      ...benchmarks.filter((b) => b.skipped).map((b) => `skipped: ${b.name}: ${b.skipped}`),
      pass ? "PASS" : `FAIL: a median above ${LIMIT}× node -e 0 (a busy machine inflates it: rerun when quiet)`
    ]
    process.stdout.write(out.join("\n") + "\n")
  }
} catch (error) {
  process.stderr.write(`cold-start: ${error.message}\n`)
  exitCode = 2
} finally {
  fs.rmSync(cwd, { recursive: true, force: true })
}
process.exitCode = exitCode
