/**
 * Interop with the Python original, both ways, with the original's writes made by a real Python
 * process (test/fixtures/original.py writes as the original does) next to the bundled CLI and a
 * running worker. Needs python3 (with its sqlite3 module) and the build.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { eventually, oneiric, startWorker } from "./worker.js"
import type { Worker } from "./worker.js"

const ORIGINAL = fileURLToPath(new URL("../fixtures/original.py", import.meta.url))
const hasPython = spawnSync("python3", ["-c", "import sqlite3"]).status === 0

const original = (...args: ReadonlyArray<string>) => {
  const result = spawnSync("python3", [ORIGINAL, ...args], { encoding: "utf8" })
  expect(result.stderr).toBe("")
  expect(result.status).toBe(0)
}

const workers: Array<Worker> = []
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

describe.skipIf(!hasPython)("the Python original writing the same store", () => {
  it("its write after `pause --for` clears the expiry, is attributed legacy with no actor, is in the history, and reaches a running worker", async () => {
    const cache = tempDir()
    const store = path.join(cache, "domain_activity.sqlite")
    const worker = startWorker(cache)
    workers.push(worker)
    expect(await worker.send({ op: "ready" })).toMatchObject({ ready: true })

    expect(oneiric(cache, "pause", "--domain", "task", "--key", "nightly", "--for", "10m", "--by", "ops").code).toBe(0)
    original("set", store, "task", "nightly", "1", "1", "maintenance by python")

    const entry = JSON.parse(oneiric(cache, "activity", "--json").stdout).domains.task.entries[0]
    expect(entry).toMatchObject({ key: "nightly", state: "paused", paused: true, draining: true, note: "maintenance by python", expires_at: null, updated_by: null, source: "legacy" })
    const history = JSON.parse(oneiric(cache, "activity", "--history", "--json").stdout).history
    expect(history.map((t: Record<string, unknown>) => [t.action, t.actor, t.source])).toEqual([["drain", null, "legacy"], ["pause", "ops", "cli"]])
    expect(oneiric(cache, "activity").stdout).toMatch(/nightly\s+paused\s+0\s+maintenance by python\s+\S+\s+\(original\)\s+-/)

    // The running worker follows the original's write (that it outlives the old expiry is shown on the TestClock in test/ActivityStore/Legacy.test.ts).
    expect(await worker.send({ op: "try", domain: "task", key: "nightly" })).toMatchObject({ accepted: false, state: "paused" })

    original("set", store, "task", "nightly", "0", "0")
    await eventually(async () => (await worker.send({ op: "try", domain: "task", key: "nightly" })).accepted === true, 3_000)
    const after = JSON.parse(oneiric(cache, "activity", "--history", "--json").stdout).history
    expect(after[0]).toMatchObject({ action: "resume", actor: null, source: "legacy" })
    // This project's writes stay its own.
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "nightly", "--by", "ops").code).toBe(0)
    expect(JSON.parse(oneiric(cache, "activity", "--json").stdout).domains.task.entries[0]).toMatchObject({ updated_by: "ops", source: "cli" })
  })

  it("oneiric health reads a snapshot the original wrote: its process, activity and components", () => {
    const cache = tempDir()
    const file = path.join(cache, "runtime_health.json")
    original("health", file, String(process.pid), JSON.stringify({ task: { nightly: { paused: true, draining: false, note: "freeze" } }, event: { "billing.*": { paused: false, draining: true, note: null } } }))

    const json = oneiric(cache, "health", "--json")
    expect(json.code).toBe(0)
    const report = JSON.parse(json.stdout)
    expect(report).toMatchObject({ format: "legacy", ready: true, reasons: [], pid_alive: true, max_age_ms: null })
    expect(report.snapshot).toMatchObject({
      orchestrator_pid: process.pid,
      watchers_running: true,
      last_remote_per_domain: { adapter: 1, task: 2 },
      last_remote_duration_ms: 12.346,
      activity_state: {
        task: { nightly: { state: "paused", paused: true, draining: false, note: "freeze", inflight: 0, expires_at: null } },
        event: { "billing.*": { state: "draining", draining: true } }
      },
      lifecycle_state: { adapter: { cache: { state: "ready", has_check: false } } }
    })
    const human = oneiric(cache, "health")
    expect(human.stdout).toMatch(/^ready\n/)
    expect(human.stdout).toContain("written by the Python original")
    expect(human.stdout).toMatch(/task\s+nightly\s+paused\s+0\s+freeze/)
    expect(oneiric(cache, "health", "--probe").code).toBe(0)

    // The original never clears its pid: a pid that is not running is the verdict.
    original("health", file, "999999999", "{}")
    const dead = oneiric(cache, "health", "--probe")
    expect(dead.code).toBe(3)
    expect(dead.stderr).toMatch(/orchestrator pid 999999999 is not running/)
    // Its file is rewritten only on changes: age is judged only when asked.
    const old = JSON.parse(fs.readFileSync(file, "utf8"))
    fs.writeFileSync(file, JSON.stringify({ ...old, orchestrator_pid: process.pid, updated_at: "2020-01-01T00:00:00.000000+00:00" }))
    expect(oneiric(cache, "health", "--probe").code).toBe(0)
    const stale = oneiric(cache, "health", "--probe", "--max-age", "1h")
    expect(stale.code).toBe(3)
    expect(stale.stderr).toMatch(/snapshot is stale/)
  })
})
