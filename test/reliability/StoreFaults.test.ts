/**
 * Store faults against real processes and real files (`oneiric run` and an embedding worker on one
 * store): the store overwritten with garbage in place, deleted, deleted and recreated empty by
 * another writer. Each: nothing committed is lost, the gate stays fail-closed during the fault (the
 * last known state enforced), the fault is reported (status, `/readyz?verbose`, `health --probe`),
 * and it recovers. Needs the build (`npm test` builds first).
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { killRuns } from "../live/runProcess.js"
import { eventually, oneiric, startWorker } from "../live/worker.js"
import type { Worker } from "../live/worker.js"
import { accepts, alive, backup, linkOf, POLL_MS, probe, readyz, runRefuses, snapshotOf, startBoth, storeOf, ENV } from "./harness.js"

const workers: Array<Worker> = []
afterEach(async () => {
  killRuns()
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

describe("store faults", () => {
  it("garbage written over the store in place (same inode): unhealthy within two poll intervals everywhere, gate closed, recovers when restored", async () => {
    const cache = tempDir()
    const { run, worker } = await startBoth(cache, ["frozen"], workers)
    await eventually(async () => !(await accepts(worker, "frozen")) && runRefuses(cache, "frozen"), 10_000)
    expect((await readyz(run)).status).toBe(200)
    const saved = path.join(tempDir(), "backup.sqlite")
    await backup(cache, saved)
    const inode = fs.statSync(storeOf(cache)).ino

    // `head -c 65536 /dev/urandom > domain_activity.sqlite`: truncated and rewritten, same inode.
    const faultAt = Date.now()
    fs.writeFileSync(storeOf(cache), crypto.randomBytes(65_536))
    expect(fs.statSync(storeOf(cache)).ino).toBe(inode)

    await eventually(async () => (await linkOf(worker)).healthy === false, 10_000)
    const link = await linkOf(worker)
    expect(link.lastError).toMatch(/is not a usable SQLite database: the SQLite header is gone/)
    expect(link.store).toMatchObject({ reachable: false, fail_static: true })
    const detectedMs = Date.parse(link.store.down_since!) - faultAt
    expect(detectedMs).toBeLessThanOrEqual(2 * POLL_MS)

    const notReady = await eventually(async () => (await readyz(run)).status === 503, 10_000)
    const verbose = (await readyz(run)).body
    expect(verbose.checks.find((c) => c.name === "store")).toMatchObject({ ok: false, detail: expect.stringMatching(/UNREACHABLE .*not a usable SQLite database/) })
    // The snapshot file is rewritten when health flips, not at its next heartbeat.
    await eventually(async () => probe(cache).code === 3, 10_000)
    const probed = probe(cache)
    expect(probed.stdout + probed.stderr).toMatch(/not a usable SQLite database/)
    console.log(`garbage in place: worker unhealthy ${detectedMs} ms after the write (poll ${POLL_MS} ms); /readyz 503 after ${Math.round(notReady)} ms of polling`)

    // Fail-closed: the last known state is enforced, and only that.
    expect(await accepts(worker, "frozen")).toBe(false)
    expect(await accepts(worker, "other")).toBe(true)
    expect(runRefuses(cache, "frozen")).toBe(true)

    // Restored in place (same inode again): verified, adopted, healthy; the pause never lapsed.
    fs.copyFileSync(saved, storeOf(cache))
    await eventually(async () => (await linkOf(worker)).healthy, 15_000)
    await eventually(async () => (await readyz(run)).status === 200, 15_000)
    await eventually(async () => probe(cache).code === 0, 15_000)
    expect(await accepts(worker, "frozen")).toBe(false)
    expect((await linkOf(worker)).store.last_replacement).toMatchObject({ reason: "restored", same_store: true, paused_before: 1, paused_after: 1, held: 0 })
    // And it follows the restored store again.
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "after").code).toBe(0)
    await eventually(async () => !(await accepts(worker, "after")) && runRefuses(cache, "after"), 10_000)
    expect(alive(run)).toBe(true)
  }, 90_000)

  it("garbage in place with watchers off: the poll alone reports it within two poll intervals", async () => {
    const cache = tempDir()
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "frozen").code).toBe(0)
    const worker = startWorker(cache, { ...ENV, ONEIRIC_RUNTIME__WATCHERS_ENABLED: "false" })
    workers.push(worker)
    expect(await worker.send({ op: "ready" })).toMatchObject({ ready: true })
    expect(await accepts(worker, "frozen")).toBe(false)
    const faultAt = Date.now()
    fs.writeFileSync(storeOf(cache), crypto.randomBytes(65_536))
    await eventually(async () => (await linkOf(worker)).healthy === false, 10_000)
    const detectedMs = Date.parse((await linkOf(worker)).store.down_since!) - faultAt
    expect(detectedMs).toBeLessThanOrEqual(2 * POLL_MS)
    expect(await accepts(worker, "frozen")).toBe(false)
    console.log(`garbage in place, watchers off: unhealthy ${detectedMs} ms after the write (poll ${POLL_MS} ms)`)
  }, 60_000)

  it("deleted, nothing in its place: fail-static — paused keys stay refused, unhealthy with the reason, nothing created", async () => {
    const cache = tempDir()
    const { run, worker } = await startBoth(cache, ["frozen"], workers)
    await eventually(async () => !(await accepts(worker, "frozen")) && runRefuses(cache, "frozen"), 10_000)
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${storeOf(cache)}${suffix}`, { force: true })

    await eventually(async () => (await linkOf(worker)).healthy === false, 10_000)
    expect((await linkOf(worker)).lastError).toMatch(/was deleted; enforcing the last known state/)
    await eventually(async () => (await readyz(run)).status === 503, 10_000)
    await eventually(async () => probe(cache).code === 3, 10_000)
    // Read commands meanwhile create nothing.
    for (const read of [["activity"], ["activity", "--json"], ["health"], ["supervisor-info"]]) oneiric(cache, ...read)
    expect(fs.existsSync(storeOf(cache))).toBe(false)
    for (let round = 0; round < 5; round++) {
      expect(await accepts(worker, "frozen")).toBe(false)
      expect(runRefuses(cache, "frozen")).toBe(true)
    }
  }, 60_000)

  it("deleted, then an empty store created by another writer: not adopted as 'everything resumed' — the paused keys are held until an operator acts", async () => {
    const cache = tempDir()
    const { run, worker } = await startBoth(cache, ["frozen", "reports.*"], workers)
    await eventually(async () => !(await accepts(worker, "frozen")) && runRefuses(cache, "frozen"), 10_000)
    const saved = path.join(tempDir(), "backup.sqlite")
    await backup(cache, saved)
    const originalId = (await linkOf(worker)).store.store_id
    expect(originalId).toMatch(/^[0-9a-f]{32}$/)
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${storeOf(cache)}${suffix}`, { force: true })
    await eventually(async () => (await linkOf(worker)).healthy === false, 10_000)

    // Another process starts on the cache dir and creates an empty store (a new identity).
    const newcomer = startWorker(cache, ENV)
    workers.push(newcomer)
    expect(await newcomer.send({ op: "ready" })).toMatchObject({ ready: true })
    await eventually(async () => (await linkOf(worker)).store.replacements === 1, 15_000)
    const link = await linkOf(worker)
    expect(link.store.store_id).not.toBe(originalId)
    expect(link.store).toMatchObject({ held: 2, last_replacement: { same_store: false, previous_id: originalId, paused_before: 2, paused_after: 2, held: 2 } })
    expect(link.healthy).toBe(false)
    expect(link.lastError).toMatch(/replaced by a different store .* holding them \(task\/frozen, task\/reports\.\*\)/)
    // Still refused here and in run; run says why it is not ready.
    expect(await accepts(worker, "frozen")).toBe(false)
    expect(await accepts(worker, "reports.daily")).toBe(false)
    await eventually(async () => runRefuses(cache, "frozen") && snapshotOf(cache)?.supervisor.store?.held === 2, 10_000)
    const verbose = await readyz(run)
    expect(verbose.status).toBe(503)
    expect(verbose.body.checks.find((c) => c.name === "store")).toMatchObject({ ok: false, detail: expect.stringMatching(/HOLDING 2 key\(s\)/) })

    // A new pause in the new store is enforced as well (and lifted again, so the restore below lifts nothing).
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "fresh").code).toBe(0)
    await eventually(async () => !(await accepts(worker, "fresh")), 10_000)
    expect(oneiric(cache, "resume", "--domain", "task", "--key", "fresh").code).toBe(0)
    await eventually(() => accepts(worker, "fresh"), 10_000)

    // An operator releases one key: pause and resume it in the new store.
    expect(oneiric(cache, "pause", "--domain", "task", "--key", "reports.*").code).toBe(0)
    expect(oneiric(cache, "resume", "--domain", "task", "--key", "reports.*").code).toBe(0)
    await eventually(async () => await accepts(worker, "reports.daily"), 10_000)
    expect((await linkOf(worker)).store.held).toBe(1)
    expect(await accepts(worker, "frozen")).toBe(false)

    // The original store restored by rename: the held key's own store is back, so nothing is held.
    const restore = path.join(cache, "restore.sqlite")
    fs.copyFileSync(saved, restore)
    fs.renameSync(restore, storeOf(cache))
    await eventually(async () => (await linkOf(worker)).store.replacements === 2 && (await linkOf(worker)).healthy, 15_000)
    expect((await linkOf(worker)).store).toMatchObject({ store_id: originalId, held: 0 })
    expect(await accepts(worker, "frozen")).toBe(false)
    await eventually(async () => (await readyz(run)).status === 200, 15_000)
    expect(alive(run)).toBe(true)
  }, 120_000)
})
