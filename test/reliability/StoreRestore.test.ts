/**
 * A store restored by rename while processes have it open (issue 8, item 2): `oneiric run` and an
 * embedding worker on one store; each cycle pauses a key, copies the store with SQLite's backup API
 * and renames the copy over `domain_activity.sqlite`. No process may die (it was SIGBUS within three
 * cycles) and no committed pause may be lost; while a restore is taken in, every pause stays
 * enforced. Three cycles in the normal suite, ten under `npm run test:soak` (ONEIRIC_SOAK=1).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns } from "../live/runProcess.js"
import { eventually, oneiric } from "../live/worker.js"
import type { Worker } from "../live/worker.js"
import { accepts, alive, backup, linkOf, readyz, runRefuses, snapshotOf, startBoth, storeOf } from "./harness.js"

const workers: Array<Worker> = []
afterEach(async () => {
  killRuns()
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

const restoreByRename = async (cycles: number) => {
  const cache = tempDir()
  const { run, worker } = await startBoth(cache, ["k0"], workers)
  const keys = ["k0"]
  const storeId = (await linkOf(worker)).store.store_id
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const key = `k${cycle}`
    expect(oneiric(cache, "pause", "--domain", "task", "--key", key).code).toBe(0)
    keys.push(key)
    await eventually(async () => !(await accepts(worker, key)) && runRefuses(cache, key), 10_000)

    const copy = path.join(cache, "restore.sqlite")
    await backup(cache, copy)
    fs.renameSync(copy, storeOf(cache))

    // Taken in by both processes: same store, every pause still refused, healthy again.
    await eventually(async () => {
      // Fail-closed while the restore is taken in: the oldest and the newest pause stay refused.
      expect(await accepts(worker, "k0")).toBe(false)
      expect(await accepts(worker, key)).toBe(false)
      const link = await linkOf(worker)
      return link.healthy && link.store.replacements === cycle && snapshotOf(cache)?.supervisor.store?.replacements === cycle &&
        snapshotOf(cache)?.supervisor.healthy === true
    }, 20_000)
    expect((await linkOf(worker)).store).toMatchObject({ store_id: storeId, held: 0, last_replacement: { same_store: true, paused_before: keys.length, paused_after: keys.length } })
    for (const k of keys) {
      expect(await accepts(worker, k)).toBe(false)
      expect(runRefuses(cache, k)).toBe(true)
    }
    expect(alive(run)).toBe(true)
  }
  // Nothing lost: the store holds every pause, both processes answer and are ready.
  const stored = JSON.parse(oneiric(cache, "activity", "--json").stdout)
  expect(stored.domains.task.entries.filter((e: { paused: boolean }) => e.paused).map((e: { key: string }) => e.key).sort()).toEqual([...keys].sort())
  expect(oneiric(cache, "activity", "--json").code).toBe(0)
  await eventually(async () => (await readyz(run)).status === 200, 10_000)
  // `/readyz?verbose` names the store, its id and the last restore with its counts.
  expect((await readyz(run)).body.checks.find((c) => c.name === "store")).toMatchObject({
    ok: true,
    detail: expect.stringMatching(new RegExp(`store id ${storeId}; file replaced ${cycles} time\\(s\\), last \\S+ by a copy of the same store: paused ${keys.length} → ${keys.length}, draining 0 → 0$`))
  })
  // And they follow the restored store: a resume reaches both.
  expect(oneiric(cache, "resume", "--domain", "task", "--key", "k0").code).toBe(0)
  await eventually(async () => (await accepts(worker, "k0")) && !runRefuses(cache, "k0"), 10_000)
  expect(alive(run)).toBe(true)
  console.log(`restore by rename: ${cycles} cycle(s), both processes alive, ${keys.length} pauses kept`)
}

describe("a store restored by rename under running processes", () => {
  it("three cycles: no process dies, no pause is lost, every pause enforced throughout", () => restoreByRename(3), 120_000)

  it.runIf(process.env.ONEIRIC_SOAK === "1")("ten cycles (soak)", () => restoreByRename(10), 300_000)
})
