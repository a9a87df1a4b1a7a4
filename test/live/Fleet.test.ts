/**
 * A fleet on one PostgreSQL database, as real processes (the bundled bin): two `oneiric run`
 * replicas both enforce a pause made through either's CLI, `--wait` returns once both have applied
 * it, `activity --instances` lists them, and killing every database connection right before a pause
 * loses nothing and kills no process. Needs the build (`npm test` builds first).
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterEach, expect, it } from "vitest"
import { tempDir } from "../helpers.js"
import { describePg, pgDatabase } from "../postgres.js"
import { BIN, eventually } from "./worker.js"

const database = pgDatabase()

interface Replica {
  readonly child: ChildProcess
  readonly base: string
  readonly healthPath: string
  readonly log: () => string
}

const replicas: Array<Replica> = []
afterEach(() => {
  for (const r of replicas.splice(0)) r.child.kill("SIGKILL")
})

/** `oneiric --store URL run` with a cache dir of its own (replicas share nothing but the database). */
const startReplica = async (store: string): Promise<Replica> => {
  const cache = tempDir()
  const healthPath = path.join(cache, "runtime_health.json")
  const child = spawn(process.execPath, [BIN, "--cache-dir", cache, "--store", store, "run", "--port", "0", "--health-path", healthPath], {
    env: { ...process.env, ONEIRIC_RUNTIME__HEALTH_INTERVAL: "1s" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  child.stderr!.on("data", (c) => (log += c))
  child.stdout!.on("data", (c) => (log += c))
  let base = ""
  await eventually(async () => {
    const match = /Listening on (http:\/\/[^"\s]+)/.exec(log)
    if (match) base = match[1]!
    return base !== ""
  }, 20_000)
  const replica = { child, base, healthPath, log: () => log }
  replicas.push(replica)
  return replica
}

/** Runs the bin against the shared store. */
const cli = (store: string, ...args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, "--cache-dir", tempDir(), "--store", store, ...args])
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c) => (stdout += c))
    child.stderr.on("data", (c) => (stderr += c))
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** What a replica enforces now, as its health snapshot says (written on every delta). */
const enforced = (replica: Replica, key: string): string | undefined => {
  try {
    const snapshot = JSON.parse(fs.readFileSync(replica.healthPath, "utf8"))
    return snapshot.activity_state?.task?.[key]?.state ?? "accepting"
  } catch {
    return undefined
  }
}

const readyz = async (replica: Replica) => {
  const response = await fetch(`${replica.base}/readyz?verbose`)
  return { status: response.status, body: await response.json() as { checks: Array<{ name: string; ok: boolean; detail: string | null }> } }
}

const alive = (replica: Replica) => replica.child.exitCode === null && replica.child.signalCode === null

describePg("a fleet on one PostgreSQL database", () => {
  it("two `oneiric run` replicas both enforce a pause made through either's CLI; --wait says applied 2/2", async () => {
    const store = database.store()
    const [a, b] = [await startReplica(store), await startReplica(store)]
    await eventually(async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200, 20_000)
    await eventually(async () => JSON.parse((await cli(store, "activity", "--instances", "--json")).stdout).live === 2, 10_000)

    const paused = await cli(store, "pause", "--domain", "task", "--key", "orders", "--note", "fleet test", "--wait", "--timeout", "15s")
    expect(paused.code).toBe(0)
    expect(paused.stdout).toMatch(/applied 2\/2: every live instance enforces it/)
    await eventually(async () => enforced(a, "orders") === "paused" && enforced(b, "orders") === "paused", 5_000)

    const resumed = await cli(store, "resume", "--domain", "task", "--key", "orders", "--wait", "--timeout", "15s", "--json")
    expect(resumed.code).toBe(0)
    const report = JSON.parse(resumed.stdout)
    expect(report.wait).toMatchObject({ complete: true, applied: 2, live: 2, pending: [] })
    expect(report.wait.instances).toHaveLength(2)
    expect(report.transition).toMatchObject({ action: "resume", changed: true })
    await eventually(async () => enforced(a, "orders") === "accepting" && enforced(b, "orders") === "accepting", 5_000)

    const listed = JSON.parse((await cli(store, "activity", "--instances", "--json")).stdout)
    expect(listed.instances.map((i: { applied_seq: number }) => i.applied_seq)).toEqual([report.transition.seq, report.transition.seq])
    const human = await cli(store, "activity", "--instances")
    expect(human.stdout).toMatch(/2 live, 0 stale instance\(s\) in postgres:\/\//)

    // The shared store's telemetry in each replica's snapshot.
    const snapshot = JSON.parse(fs.readFileSync(a.healthPath, "utf8"))
    expect(snapshot.last_remote_sync_at).not.toBeNull()
    expect(snapshot.supervisor.store).toMatchObject({ shared: true, reachable: true, listening: true })
    expect((await readyz(a)).body.checks.find((c) => c.name === "store")).toMatchObject({ ok: true })
  }, 120_000)

  it("--wait exits 4 at the deadline, naming the replica that has not applied the change", async () => {
    const store = database.store()
    const a = await startReplica(store)
    await eventually(async () => (await readyz(a)).status === 200, 20_000)
    // A replica that stops following the store but keeps its heartbeat: SIGSTOP freezes it, so its row stays live for 3 heartbeats.
    a.child.kill("SIGSTOP")
    try {
      const paused = await cli(store, "pause", "--domain", "task", "--key", "frozen", "--wait", "--timeout", "1s", "--json")
      expect(paused.code).toBe(4)
      const report = JSON.parse(paused.stdout)
      expect(report.wait).toMatchObject({ complete: false, applied: 0, live: 1 })
      expect(paused.stderr).toMatch(/^oneiric: pause of task\/frozen not applied by 1 of 1 live instance\(s\) within 1000 ms: \S+:\d+:/)
    } finally {
      a.child.kill("SIGCONT")
    }
  }, 60_000)

  it("pg_terminate_backend on every connection right before each pause loses nothing and kills no process", async () => {
    const store = database.store()
    const [a, b] = [await startReplica(store), await startReplica(store)]
    await eventually(async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200, 20_000)
    for (let round = 0; round < 3; round++) {
      const killed = await database.query<{ pid: number }>(
        "SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
      )
      expect(killed.length).toBeGreaterThan(2)
      const key = `round-${round}`
      const paused = await cli(store, "pause", "--domain", "task", "--key", key, "--wait", "--timeout", "20s", "--json")
      expect(paused.code).toBe(0)
      expect(JSON.parse(paused.stdout).wait).toMatchObject({ complete: true, applied: 2, live: 2 })
      await eventually(async () => enforced(a, key) === "paused" && enforced(b, key) === "paused", 5_000)
      expect([alive(a), alive(b)]).toEqual([true, true])
    }
    const history = JSON.parse((await cli(store, "activity", "--history", "--json")).stdout)
    expect(history.history.map((t: { key: string }) => t.key).sort()).toEqual(["round-0", "round-1", "round-2"])
    // Both listeners are back, and readiness never dropped.
    await eventually(async () => {
      const [ra, rb] = [await readyz(a), await readyz(b)]
      return ra.status === 200 && rb.status === 200 &&
        [ra, rb].every((r) => r.body.checks.some((c) => c.name === "store" && c.ok && /push: listening/.test(c.detail ?? "")))
    }, 15_000)
    expect([alive(a), alive(b)]).toEqual([true, true])
  }, 180_000)
})
