/**
 * Real processes: a worker running the runtime stack (RuntimeLive) and the bundled CLI on one store.
 * Needs the build (`npm test` builds first).
 */
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { eventually, oneiric, oneiricAsync, startWorker } from "./worker.js"
import type { Worker } from "./worker.js"

const workers: Array<Worker> = []
const start = async (cache: string, env: Record<string, string> = {}) => {
  const worker = startWorker(cache, env)
  workers.push(worker)
  expect(await worker.send({ op: "ready" })).toMatchObject({ ready: true })
  return worker
}
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

const accepted = (w: Worker, key: string, domain = "task") => w.send({ op: "try", domain, key }).then((r) => r.accepted === true)

describe("across processes", () => {
  it("a pause written by another process is refused here, with watchers and without", async () => {
    for (const env of [{}, { ONEIRIC_RUNTIME__WATCHERS_ENABLED: "false", ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: "100ms" }]) {
      const cache = tempDir()
      const worker = await start(cache, env)
      expect(await accepted(worker, "reports.daily")).toBe(true)
      expect(oneiric(cache, "pause", "--domain", "task", "--key", "reports.*", "--note", "freeze").code).toBe(0)
      await eventually(async () => !(await accepted(worker, "reports.daily")), 2_000)
      expect(await worker.send({ op: "try", domain: "task", key: "reports.daily" })).toMatchObject({ state: "paused", rule: "reports.*" })
      expect(oneiric(cache, "resume", "--domain", "task", "--key", "reports.*").code).toBe(0)
      await eventually(() => accepted(worker, "reports.daily"), 2_000)
    }
  })

  it("drain --wait waits for work started before the drain, refuses work after it, and exits 0 when drained", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    expect(await worker.send({ op: "work", domain: "task", key: "export", ms: 1_500 })).toMatchObject({ accepted: true, inflight: 1 })
    await new Promise((r) => setTimeout(r, 300)) // let a heartbeat publish the count
    const shown = oneiric(cache, "activity", "--json")
    expect(JSON.parse(shown.stdout)).toMatchObject({ totals: { entries: 0 } })
    const draining = oneiricAsync(cache, "drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "10s", "--json")
    await eventually(async () => !(await accepted(worker, "export")), 3_000)
    expect(await worker.send({ op: "work", domain: "task", key: "export", ms: 10 })).toMatchObject({ accepted: false, state: "draining" })
    const during = JSON.parse(oneiric(cache, "activity", "--json").stdout)
    expect(during.domains.task.entries[0]).toMatchObject({ key: "export", state: "draining", inflight: 1 })
    const done = await draining
    expect(done.code).toBe(0)
    const report = JSON.parse(done.stdout)
    expect(report.wait).toMatchObject({ drained: true, remaining: 0 })
    expect(report.wait.instances).toHaveLength(1)
    expect(report.wait.waited_ms).toBeGreaterThan(500)
    const after = JSON.parse(oneiric(cache, "activity", "--json").stdout)
    expect(after.domains.task.entries[0]).toMatchObject({ key: "export", state: "drained", inflight: 0 })
  })

  it("drain --wait exits 4 at the deadline with the remaining counts", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    await worker.send({ op: "work", domain: "task", key: "slow", ms: 5_000 })
    await worker.send({ op: "work", domain: "task", key: "slow", ms: 5_000 })
    const timedOut = await oneiricAsync(cache, "drain", "--domain", "task", "--key", "slow", "--wait", "--timeout", "1s")
    expect(timedOut.code).toBe(4)
    expect(timedOut.stdout).toMatch(/timed out after 1000 ms: 2 still in flight/)
    expect(timedOut.stderr).toMatch(/^oneiric: drain of task\/slow timed out after 1000 ms with 2 still in flight/)
  })

  it("an expiry resumes on time, recorded as expired", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "nightly", "--for", "1s").code).toBe(0)
    await eventually(async () => !(await accepted(worker, "nightly")), 2_000)
    const resumedAfter = await eventually(() => accepted(worker, "nightly"), 3_000)
    expect(resumedAfter).toBeGreaterThan(300)
    const history = JSON.parse(oneiric(cache, "activity", "--history", "--json").stdout)
    expect(history.history.map((t: { action: string }) => t.action)).toEqual(["expired", "pause"])
  })
})
