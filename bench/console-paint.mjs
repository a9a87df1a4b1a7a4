#!/usr/bin/env node
// The operator console's first paint at 10,000 keys (the console issue: "the first paint under a second on
// this machine"). A benchmark, not a timed test: a machine loaded by other work moves it, and the test suite
// must not race the clock (test/live/Console.test.ts checks what the page shows, and prints these figures).
//
//   node bench/console-paint.mjs [--quick] [--json]
//
// A store of 10,000 paused keys (bench/lib.mjs seedStore) and one wildcard rule; `oneiric run --port 0` on it (the
// bundled CLI); Debian's Chromium through playwright-core, headless, opens the console in a fresh tab, LOADS times
// after a warm-up load. For each load, from navigation start:
//
//   painted  the key count (the state's first text) on screen: Element Timing's renderTime for #key-count
//   shell    the page's first contentful paint (the empty page, before any state): the baseline, what any page
//            costs this browser on this machine at that moment
//
// Target: the median of `painted` <= 1,000 ms. The ratio painted / shell says what the state adds to an empty
// page, whatever the machine. Chromium missing: the figure is reported as skipped (`.ci/run` installs it).
import { spawn } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import { loadLibrary, loadNote, machine, median, parseArgs, pausedKeys, percentile, quickValue, report, root, round, seedStore, table, tempDir, verdict } from "./lib.mjs"

const flags = parseArgs("usage: node bench/console-paint.mjs [--quick] [--json]")
const KEYS = 10_000
const LOADS = flags.quick ? quickValue(5, 3) : 9
const TARGET_MS = 1_000
const CHROMIUM = process.env.ONEIRIC_TEST_CHROMIUM ?? "/usr/bin/chromium"

if (!fs.existsSync(CHROMIUM)) {
  report(flags, { skipped: `no Chromium at ${CHROMIUM}` }, `console-paint: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium)`)
  process.exit(0)
}
const bin = path.join(root, "dist", "bin.cjs")
if (!fs.existsSync(bin)) {
  process.stderr.write(`bench: ${bin} is missing; build it first (npm run build)\n`)
  process.exit(2)
}

const dir = tempDir("console-paint-")
const lib = await loadLibrary()
await seedStore(lib, path.join(dir, "domain_activity.sqlite"), [
  ...pausedKeys(KEYS, "bulk.k"),
  { domain: "task", key: "bulk.*", paused: true, draining: false }
])

/** `oneiric run` on the store; resolves with its base URL once it listens. */
const startRun = () =>
  new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("ONEIRIC_")))
    const child = spawn(process.execPath, [bin, "--cache-dir", dir, "run", "--port", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
    let log = ""
    const timer = setTimeout(() => reject(new Error(`oneiric run did not listen within 30 s:\n${log}`)), 30_000)
    const read = (chunk) => {
      log += chunk
      const match = /Listening on (http:\/\/[^"\s]+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve({ child, base: match[1] })
      }
    }
    child.stdout.on("data", read)
    child.stderr.on("data", read)
    child.on("exit", (code) => reject(new Error(`oneiric run exited ${code}:\n${log}`)))
  })

const { chromium } = await import("playwright-core")
const run = await startRun()
const browser = await chromium.launchPersistentContext(tempDir("console-paint-chromium-"), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
})

/** One load in a fresh tab: when the state was painted, and when the empty page was. */
const load = async () => {
  const page = await browser.newPage()
  await page.goto(`${run.base}/`)
  await page.waitForSelector("body[data-state=live]", { timeout: 30_000 })
  const count = await page.textContent("#key-count")
  if (count !== `${KEYS.toLocaleString("en-US")} keys`) throw new Error(`the console shows "${count}", not ${KEYS} keys`)
  const painted = await page.evaluate(
    `new Promise((resolve) => new PerformanceObserver((list) => resolve(list.getEntries()[0].renderTime)).observe({ type: "element", buffered: true }))`
  )
  const shell = await page.evaluate(`performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN`)
  await page.close()
  return { painted, shell }
}

const loads = []
try {
  await load()
  for (let i = 0; i < LOADS; i++) loads.push(await load())
} finally {
  await browser.close()
  run.child.kill("SIGTERM")
}

const painted = loads.map((l) => l.painted)
const shell = loads.map((l) => l.shell)
const ratio = median(painted) / median(shell)
const result = {
  keys: KEYS,
  loads: LOADS,
  painted: { n: LOADS, p50: round(median(painted), 1), p99: round(percentile(painted, 99), 1), min: round(Math.min(...painted), 1) },
  shell: { n: LOADS, p50: round(median(shell), 1), p99: round(percentile(shell, 99), 1), min: round(Math.min(...shell), 1) },
  painted_vs_shell: round(ratio, 3),
  target_ms: TARGET_MS,
  verdict: verdict(median(painted), TARGET_MS),
  machine: machine(),
  note: loadNote()
}
report(flags, result, [
  `console first paint at ${KEYS.toLocaleString("en-US")} keys: ${LOADS} loads in fresh tabs after a warm-up, ms from navigation start`,
  table(["figure", "median", "p99", "min", "ratio", "target", "verdict"], [
    ["the empty page painted (baseline)", median(shell), percentile(shell, 99), Math.min(...shell), "-", "-", "-"],
    ["the state of 10,000 keys painted", median(painted), percentile(painted, 99), Math.min(...painted), `${ratio.toFixed(2)} vs empty`, `<= ${TARGET_MS} ms`, result.verdict]
  ]),
  result.note ?? ""
].join("\n"))
process.exit(0)
