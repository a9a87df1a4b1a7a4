/**
 * `oneiric run` as a real process (the bundled bin): readiness, drain, SIGTERM, the final snapshot,
 * the exit codes, and a snapshot that is never torn. Needs the build (`npm test` builds first).
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns, startRun } from "./runProcess.js"
import { eventually, oneiric, oneiricAsync } from "./worker.js"

afterEach(killRuns)

const get = async (url: string) => {
  const response = await fetch(url)
  return { status: response.status, body: await response.text() }
}

describe("oneiric run", () => {
  it("ready → drain → drained → SIGTERM → 503 → exit 0 with the final snapshot", async () => {
    const cache = tempDir()
    const run = await startRun(cache, ["--demo"])
    await eventually(async () => (await get(`${run.base}/readyz`)).status === 200, 5_000)
    expect(JSON.parse((await get(`${run.base}/healthz`)).body)).toMatchObject({ status: "ok" })
    expect(oneiric(cache, "health", "--probe").code).toBe(0)

    // The demo runs task/demo.report for about 1.5 s at a time.
    const drain = await oneiricAsync(cache, "drain", "--domain", "task", "--key", "demo.report", "--wait", "--timeout", "15s", "--json")
    expect(drain.code).toBe(0)
    expect(JSON.parse(drain.stdout).wait).toMatchObject({ drained: true, remaining: 0 })
    const activity = JSON.parse(oneiric(cache, "activity", "--json").stdout)
    expect(activity.domains.task.entries).toEqual([expect.objectContaining({ key: "demo.report", state: "drained", inflight: 0 })])
    // The demo's summary line names what was refused and why.
    await eventually(async () => /demo: \d+ ran, \d+ refused: .*task\/demo\.report \(draining\)/.test(run.log()), 5_000)
    const served = JSON.parse((await get(`${run.base}/activity`)).body)
    expect(served.domains.task.entries[0]).toMatchObject({ key: "demo.report", state: "drained" })
    const metrics = (await get(`${run.base}/metrics`)).body
    expect(metrics).toMatch(/oneiric_rejections_total\{domain="task",state="draining"\} [1-9]/)
    expect(metrics).toMatch(/oneiric_activity_keys\{domain="task",state="draining"\} 1/)
    expect(metrics).toMatch(/oneiric_supervisor_healthy 1/)

    run.child.kill("SIGTERM")
    await eventually(async () => {
      const ready = await get(`${run.base}/readyz`).catch(() => ({ status: 0, body: "" }))
      return ready.status === 503 && JSON.parse(ready.body).reasons.includes("shutting-down")
    }, 10_000) // a bound for a loaded machine, not a speed target: work in flight keeps the server up for seconds
    expect(await run.exited).toBe(0)
    const snapshot = JSON.parse(fs.readFileSync(path.join(cache, "runtime_health.json"), "utf8"))
    expect(snapshot).toMatchObject({ orchestrator_pid: null, watchers_running: false, ready: false })
    expect(oneiric(cache, "health", "--probe").code).toBe(3)
  }, 60_000)

  it("/readyz?verbose, 404, readiness follows a missing required secret; SIGHUP reloads, SIGINT stops", async () => {
    const cache = tempDir()
    const settings = path.join(cache, "settings.toml")
    fs.writeFileSync(settings, `[secrets]\nrequired = ["ONEIRIC_TEST_SECRET_NOT_SET"]\n`)
    const run = await startRun(cache, [], { ONEIRIC_CONFIG: settings })
    await eventually(async () => (await get(`${run.base}/readyz`)).status === 503, 5_000)
    const verbose = JSON.parse((await get(`${run.base}/readyz?verbose`)).body)
    expect(verbose.ready).toBe(false)
    expect(verbose.reasons.join(" ")).toMatch(/ONEIRIC_TEST_SECRET_NOT_SET/)
    expect(verbose.checks).toEqual(expect.arrayContaining([
      { name: "secrets", ok: false, detail: "missing: ONEIRIC_TEST_SECRET_NOT_SET" },
      expect.objectContaining({ name: "supervisor", ok: true })
    ]))
    expect(JSON.parse((await get(`${run.base}/readyz`)).body).checks).toBeUndefined()
    expect((await get(`${run.base}/nope`)).status).toBe(404)
    run.child.kill("SIGHUP")
    await eventually(async () => /run: reloaded/.test(run.log()), 5_000)
    run.child.kill("SIGINT")
    expect(await run.exited).toBe(0)
  }, 30_000)

  it("work still running when the budget is spent is interrupted: exit 1", async () => {
    const cache = tempDir()
    // Workflows paused, so the only task-domain work is the demo's report (0.75–2.25 s): once /metrics shows it in
    // flight it has at least ~0.7 s to go, far beyond the 50 ms budget — seen, not guessed from a sleep.
    expect(oneiric(cache, "pause", "--domain", "workflow", "--key", "*").code).toBe(0)
    // The snapshot on tmpfs: its fsync at the start of the shutdown cannot take long enough for the report to end.
    const shm = fs.existsSync("/dev/shm") ? fs.mkdtempSync("/dev/shm/oneiric-test-") : tempDir()
    const run = await startRun(cache, ["--demo", "--health-path", path.join(shm, "runtime_health.json")], { ONEIRIC_RUNTIME__SHUTDOWN_TIMEOUT: "50ms" })
    await eventually(async () => /oneiric_inflight\{domain="task"\} [1-9]/.test((await get(`${run.base}/metrics`)).body), 15_000)
    run.child.kill("SIGTERM")
    expect(await run.exited).toBe(1)
    expect(run.log()).toMatch(/shutdown budget spent/)
    expect(run.log()).toMatch(/Instances\.stop: work was interrupted at shutdown.*task\/demo\.report=1/)
    // Its final report stays in the store (what `drain --wait` reads: see test/reliability/Shutdown.test.ts).
    const db = new Database(path.join(cache, "domain_activity.sqlite"), { readonly: true })
    const row = db.prepare("SELECT inflight FROM oneiric_instances WHERE pid = ?").get(run.child.pid) as { inflight: string }
    db.close()
    expect(JSON.parse(row.inflight)).toMatchObject({ stopped_at: expect.any(Number), interrupted: expect.arrayContaining([{ domain: "task", key: "demo.report", count: 1 }]) })
    fs.rmSync(shm, { recursive: true, force: true })
  }, 30_000)

  it("the snapshot is never torn: a reader polling it while the writer is SIGKILLed always parses it", async () => {
    const cache = tempDir()
    const file = path.join(cache, "runtime_health.json")
    const run = await startRun(cache, ["--demo", "--health-interval", "5ms"])
    let reads = 0
    let torn = 0
    const deadline = Date.now() + 2_000
    let killed = false
    while (Date.now() < deadline) {
      if (!killed && Date.now() > deadline - 1_000) {
        run.child.kill("SIGKILL")
        killed = true
      }
      try {
        JSON.parse(fs.readFileSync(file, "utf8"))
        reads++
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") torn++
      }
      await new Promise((r) => setImmediate(r))
    }
    expect(torn).toBe(0)
    expect(reads).toBeGreaterThan(100)
    expect(fs.readdirSync(cache).filter((f) => f.startsWith("runtime_health.json") && f !== "runtime_health.json").length).toBeLessThanOrEqual(1)
  }, 30_000)
})
