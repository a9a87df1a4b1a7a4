/**
 * An interrupted shutdown (issue 8, item 8): an instance that spends its shutdown budget and interrupts work
 * leaves a final report in the store, and `drain --wait` says the work was cut — exit 4, the instances named,
 * `interrupted` in the JSON — instead of "drained". On SQLite and on PostgreSQL.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { describePg, pgDatabase } from "../postgres.js"
import { accepts, cliAsync, killWorkers, startWorker } from "./processes.js"

afterEach(killWorkers)

const database = pgDatabase()

/** An interrupted shutdown and a clean one on the store `storeArgs` selects. */
const scenario = async (cache: string, storeArgs: ReadonlyArray<string>, env: Record<string, string>) => {
  // Asynchronous: a dozen synchronous CLI runs in a row would block this worker's event loop on a loaded machine.
  const oneiric = (...args: ReadonlyArray<string>) => cliAsync(["--cache-dir", cache, ...storeArgs, ...args])
  const worker = await startWorker(cache, { ONEIRIC_RUNTIME__SHUTDOWN_TIMEOUT: "100ms", ...env })
  // Held until released: nothing here depends on how long the work takes.
  expect(await worker.send({ op: "work", domain: "task", key: "export", hold: "export" })).toMatchObject({ accepted: true })
  expect(await worker.send({ op: "work", domain: "task", key: "export", hold: "export" })).toMatchObject({ accepted: true })
  expect(await worker.send({ op: "work", domain: "task", key: "other", hold: "other" })).toMatchObject({ accepted: true })
  expect((await oneiric("drain", "--domain", "task", "--key", "export")).code).toBe(0)
  // While the instance runs the work is in flight: drain --wait times out (exit 4) and the gate stays closed.
  const during = (await oneiric("drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "300ms", "--json"))
  expect(during.code).toBe(4)
  expect(JSON.parse(during.stdout).wait).toMatchObject({ drained: false, remaining: 2, interrupted: [] })
  expect(await accepts(worker, "export")).toBe(false)

  // SIGTERM: the budget (100 ms) is spent with the work still held, so it is interrupted.
  worker.child.kill("SIGTERM")
  expect((await worker.exited).code).toBe(0)

  const after = (await oneiric("drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "2s", "--json"))
  expect(after.code).toBe(4)
  expect(after.stderr.trim().split("\n")).toHaveLength(1)
  expect(after.stderr).toMatch(/^oneiric: drain of task\/export did not finish cleanly: 2 in-flight item\(s\) were interrupted at shutdown by \S+ \(pid \d+ on \S+\); nothing is in flight now\n$/)
  const report = JSON.parse(after.stdout)
  expect(report.wait).toMatchObject({ drained: false, complete: true, live: 0, remaining: 0 })
  expect(report.wait.interrupted).toEqual([
    expect.objectContaining({ pid: worker.child.pid, count: 2, stopped_at: expect.any(String) })
  ])
  const human = (await oneiric("drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "2s"))
  expect(human.code).toBe(4)
  expect(human.stdout).toMatch(/not drained cleanly: no live instance is running work, but work under task\/export was interrupted at shutdown:\n {2}\S+ \(pid \d+ on \S+\) stopped at \S+ and interrupted 2 in flight/)
  // A drain that began after the shutdown is not about the work cut before it: the wildcard and `other`
  // (whose work was interrupted too, while it was accepting) drain cleanly.
  expect((await oneiric("drain", "--domain", "task", "--key", "*", "--wait", "--timeout", "2s")).code).toBe(0)
  const later = (await oneiric("drain", "--domain", "task", "--key", "other", "--wait", "--timeout", "2s", "--json"))
  expect(later.code).toBe(0)
  expect(JSON.parse(later.stdout).wait).toMatchObject({ drained: true, interrupted: [] })
  // Resumed and drained again from now on: the old interruption is history, the drain is clean.
  expect((await oneiric("resume", "--domain", "task", "--key", "export")).code).toBe(0)
  expect((await oneiric("resume", "--domain", "task", "--key", "*")).code).toBe(0)
  expect((await oneiric("drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "2s")).code).toBe(0)

  // A clean shutdown: the work finished within the budget, nothing reported.
  expect((await oneiric("resume", "--domain", "task", "--key", "export")).code).toBe(0)
  const clean = await startWorker(cache, { ONEIRIC_RUNTIME__SHUTDOWN_TIMEOUT: "5s", ...env })
  expect(await clean.send({ op: "work", domain: "task", key: "export", hold: "x" })).toMatchObject({ accepted: true })
  expect((await oneiric("drain", "--domain", "task", "--key", "export")).code).toBe(0)
  clean.child.kill("SIGTERM")
  expect(await clean.send({ op: "release", hold: "x" })).toMatchObject({ released: true })
  expect((await clean.exited).code).toBe(0)
  const drained = (await oneiric("drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "2s", "--json"))
  expect(drained.code).toBe(0)
  expect(JSON.parse(drained.stdout).wait).toMatchObject({ drained: true, interrupted: [] })
}

describe("an interrupted shutdown", () => {
  it("SQLite: drain --wait says the work was interrupted (exit 4), not drained; a clean shutdown still drains", async () => {
    const cache = tempDir()
    await scenario(cache, [], {})
    expect(fs.existsSync(path.join(cache, "domain_activity.sqlite"))).toBe(true)
  }, 60_000)
})

describePg("an interrupted shutdown on PostgreSQL", () => {
  it("drain --wait says the work was interrupted (exit 4), not drained; a clean shutdown still drains", async () => {
    const store = database.store()
    await scenario(tempDir(), ["--store", store], { ONEIRIC_ACTIVITY_STORE: store })
  }, 60_000)
})
