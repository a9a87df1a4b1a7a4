/**
 * Real processes: a worker running the runtime stack (RuntimeLive) and the bundled CLI on one store.
 * Needs the build (`npm test` builds first).
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
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
    // Held until the test releases it, so what is seen while it runs does not depend on timing.
    expect(await worker.send({ op: "work", domain: "task", key: "export", hold: "export" })).toMatchObject({ accepted: true, inflight: 1 })
    // Until the instance has published the count (its heartbeat), however long that takes on a loaded machine.
    await eventually(async () => JSON.parse(oneiric(cache, "activity", "--instances", "--json").stdout).instances[0]?.inflight_total === 1, 10_000)
    const shown = oneiric(cache, "activity", "--json")
    expect(JSON.parse(shown.stdout)).toMatchObject({ totals: { entries: 0 } })
    const draining = oneiricAsync(cache, "drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "10s", "--json")
    await eventually(async () => !(await accepted(worker, "export")), 3_000)
    expect(await worker.send({ op: "work", domain: "task", key: "export", ms: 10 })).toMatchObject({ accepted: false, state: "draining" })
    const during = JSON.parse(oneiric(cache, "activity", "--json").stdout)
    expect(during.domains.task.entries[0]).toMatchObject({ key: "export", state: "draining", inflight: 1 })
    expect(await worker.send({ op: "release", hold: "export" })).toMatchObject({ released: true })
    const done = await draining
    expect(done.code).toBe(0)
    const report = JSON.parse(done.stdout)
    expect(report.wait).toMatchObject({ drained: true, remaining: 0 })
    expect(report.wait.instances).toHaveLength(1)
    expect(report.wait.waited_ms).toBeGreaterThan(0)
    const after = JSON.parse(oneiric(cache, "activity", "--json").stdout)
    expect(after.domains.task.entries[0]).toMatchObject({ key: "export", state: "drained", inflight: 0 })
  })

  it("drain --wait exits 4 at the deadline with the remaining counts", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    await worker.send({ op: "work", domain: "task", key: "slow", hold: "slow" })
    await worker.send({ op: "work", domain: "task", key: "slow", hold: "slow" })
    const timedOut = await oneiricAsync(cache, "drain", "--domain", "task", "--key", "slow", "--wait", "--timeout", "1s")
    expect(timedOut.code).toBe(4)
    // Not a terminal: a progress line (at least the first), then the verdict and what to do next.
    expect(timedOut.stdout).toMatch(/^task\/slow: applied 1\/1, 2 in flight \[\S+ pid \d+: 2 in flight\] \d+\.\ds of 1\.0s$/m)
    expect(timedOut.stdout).not.toContain("\r")
    expect(timedOut.stdout).toMatch(/timed out after 1000 ms: applied 1\/1, 2 in flight\n {2}\S+ \(pid \d+ on \S+\): 2 in flight/)
    expect(timedOut.stdout).toContain("task/slow is still draining: new work stays refused.")
    expect(timedOut.stdout).toContain(`resume it:      oneiric resume --domain task --key slow --cache-dir ${cache}`)
    expect(timedOut.stderr).toMatch(/^oneiric: drain of task\/slow not drained by 1 of 1 live instance\(s\) within 1000 ms \(2 still in flight\): \S+; task\/slow is still draining \(resume it: oneiric resume/)
  })

  it("an expiry resumes on time, recorded as expired", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    const paused = oneiric(cache, "pause", "--domain", "task", "--key", "nightly", "--for", "1s", "--json")
    expect(paused.code).toBe(0)
    const expiresAt = Date.parse(JSON.parse(paused.stdout).after.expires_at)
    await eventually(async () => !(await accepted(worker, "nightly")) || Date.now() >= expiresAt, 5_000)
    // On time: never accepted before the expiry (an answer that arrived before it and said "accepted" was early),
    // and accepted once it has passed — judged against the recorded expiry, not against how long the CLI took.
    let early = 0
    await eventually(async () => {
      const ok = await accepted(worker, "nightly")
      if (ok && Date.now() < expiresAt) early++
      return ok
    }, 5_000)
    expect(early).toBe(0)
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt)
    const history = JSON.parse(oneiric(cache, "activity", "--history", "--json").stdout)
    expect(history.history.map((t: { action: string }) => t.action)).toEqual(["expired", "pause"])
  })
})

describe("a store in trouble", () => {
  const status = (w: Worker) => w.send({ op: "status" })

  it("locked: while another connection holds the write lock the supervisor is unhealthy (its heartbeat cannot be written), keeps enforcing, and recovers", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "k").code).toBe(0)
    await eventually(async () => !(await accepted(worker, "k")), 2_000)
    const holder = new Database(path.join(cache, "domain_activity.sqlite"))
    // WAL readers never wait for a writer; this process's own writes (the heartbeat) do.
    holder.exec("BEGIN IMMEDIATE")
    holder.exec("UPDATE activity SET paused = paused WHERE 0")
    await eventually(async () => (await status(worker)).healthy === false, 5_000)
    expect(await status(worker)).toMatchObject({ healthy: false, lastError: expect.stringMatching(/locked/) })
    expect(await accepted(worker, "k")).toBe(false)
    holder.exec("COMMIT")
    holder.close()
    await eventually(async () => (await status(worker)).healthy === true, 10_000)
    expect(oneiric(cache, "resume", "--domain", "task", "--key", "k").code).toBe(0)
    await eventually(() => accepted(worker, "k"), 2_000)
  }, 30_000)

  it("deleted: unhealthy while the file is gone; a new store written there is followed, but never lifts the old pauses by itself", async () => {
    const cache = tempDir()
    const worker = await start(cache)
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "old").code).toBe(0)
    await eventually(async () => !(await accepted(worker, "old")), 2_000)
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(path.join(cache, `domain_activity.sqlite${suffix}`), { force: true })
    await eventually(async () => (await status(worker)).healthy === false, 5_000)
    expect((await status(worker)).lastError).toMatch(/was deleted/)
    expect(await accepted(worker, "old")).toBe(false)
    // A write creates a new store (another identity): its pause is enforced, the old one is held.
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "new").code).toBe(0)
    await eventually(async () => !(await accepted(worker, "new")), 10_000)
    expect(await accepted(worker, "old")).toBe(false)
    expect((await status(worker)).lastError).toMatch(/replaced by a different store .*holding them \(task\/old\)/)
    // The operator releases it in the new store: pause, then resume.
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "old").code).toBe(0)
    expect(oneiric(cache, "resume", "--domain", "task", "--key", "old").code).toBe(0)
    await eventually(async () => (await status(worker)).healthy === true, 10_000)
    await eventually(() => accepted(worker, "old"), 2_000)
    expect(await accepted(worker, "new")).toBe(false)
  }, 30_000)
})
