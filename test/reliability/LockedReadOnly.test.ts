/**
 * A store locked by another connection, and a store made read-only with `chattr +i`: a command that writes
 * fails with one line and exit 5 and writes nothing; a running supervisor keeps enforcing the last known state
 * (the gate stays fail-closed), reports itself unhealthy while its heartbeat cannot be written, and recovers
 * when the fault ends. `chattr +i` needs CAP_LINUX_IMMUTABLE and a filesystem that supports it: where it is
 * not permitted, that test is skipped and says why.
 */
import Database from "better-sqlite3"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { accepts, cli, eventually, killWorkers, startWorker } from "./processes.js"

afterEach(killWorkers)

/** Whether `chattr +i` works here (root with CAP_LINUX_IMMUTABLE on a filesystem with the flag), and why not. */
const chattr = (() => {
  const probe = path.join(tempDir(), "probe")
  fs.writeFileSync(probe, "")
  const set = spawnSync("chattr", ["+i", probe], { encoding: "utf8" })
  if (set.error !== undefined || set.status !== 0) return { works: false, why: (set.error?.message ?? set.stderr).trim() || `exit ${set.status}` }
  spawnSync("chattr", ["-i", probe])
  return { works: true, why: "" }
})()

const history = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare("SELECT count(*) AS n FROM activity_history").get()
  } finally {
    db.close()
  }
}

const healthy = async (worker: Awaited<ReturnType<typeof startWorker>>) => (await worker.send({ op: "status" }))["healthy"] === true

/** A store with `task/held` paused, and a worker enforcing it. */
const setup = async () => {
  const cache = tempDir()
  const file = path.join(cache, "domain_activity.sqlite")
  expect(cli(["--cache-dir", cache, "pause", "--domain", "task", "--key", "held"]).code).toBe(0)
  const worker = await startWorker(cache, { ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: "100ms" })
  expect(await accepts(worker, "held")).toBe(false)
  expect(await accepts(worker, "free")).toBe(true)
  return { cache, file, worker }
}

describe("a store in trouble, with writers and a running supervisor", () => {
  it("locked by another connection: a write is exit 5 with one line and writes nothing; the gate stays closed; both recover", async () => {
    const { cache, file, worker } = await setup()
    const before = history(file)
    const lock = new Database(file)
    lock.exec("BEGIN EXCLUSIVE")
    try {
      const refused = cli(["--cache-dir", cache, "pause", "--domain", "task", "--key", "free"])
      expect(refused.code).toBe(5)
      expect(refused.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("timestamp="))).toEqual([expect.stringMatching(/^oneiric: .*database is locked/)])
      await eventually(async () => !(await healthy(worker)), 10_000)
      expect(await accepts(worker, "held")).toBe(false)
    } finally {
      lock.exec("ROLLBACK")
      lock.close()
    }
    expect(history(file)).toEqual(before)
    await eventually(() => healthy(worker), 10_000)
    expect(cli(["--cache-dir", cache, "pause", "--domain", "task", "--key", "free"]).code).toBe(0)
    await eventually(async () => !(await accepts(worker, "free")), 5_000)
    expect(await accepts(worker, "held")).toBe(false)
  }, 60_000)

  it.skipIf(!chattr.works)(`read-only by chattr +i${chattr.works ? "" : ` (skipped: chattr +i is not permitted here: ${chattr.why})`}: a write is exit 5 with one line; the gate stays closed; both recover`, async () => {
    const { cache, file, worker } = await setup()
    const before = history(file)
    const immutable = [file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f))
    expect(spawnSync("chattr", ["+i", ...immutable]).status).toBe(0)
    try {
      const refused = cli(["--cache-dir", cache, "pause", "--domain", "task", "--key", "free"])
      expect(refused.code).toBe(5)
      const lines = refused.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("timestamp="))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^oneiric: .*domain_activity\.sqlite/)
      await eventually(async () => !(await healthy(worker)), 10_000)
      expect(await accepts(worker, "held")).toBe(false)
    } finally {
      spawnSync("chattr", ["-i", ...immutable])
    }
    expect(history(file)).toEqual(before)
    await eventually(() => healthy(worker), 10_000)
    expect(cli(["--cache-dir", cache, "pause", "--domain", "task", "--key", "free"]).code).toBe(0)
    await eventually(async () => !(await accepts(worker, "free")), 5_000)
    expect(await accepts(worker, "held")).toBe(false)
    expect(worker.child.exitCode).toBe(null)
  }, 60_000)
})
