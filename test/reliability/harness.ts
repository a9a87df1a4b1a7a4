/**
 * Real processes on one store for the fault tests: `oneiric run` (HTTP probes, health snapshot) and
 * an embedding worker (test/fixtures/worker.mjs), and what each says about the store and the gate.
 */
import Database from "better-sqlite3"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { startRun } from "../live/runProcess.js"
import type { Running } from "../live/runProcess.js"
import { oneiric, startWorker } from "../live/worker.js"
import type { Worker } from "../live/worker.js"

/** Short poll, so "within two poll intervals" is measured against something small. */
export const POLL_MS = 250
export const ENV = { ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: `${POLL_MS}ms`, ONEIRIC_RUNTIME__HEALTH_INTERVAL: "1s" }

export const storeOf = (cache: string) => path.join(cache, "domain_activity.sqlite")

/** The supervisor's link to its store as the worker reports it (wire form). */
export interface Link {
  readonly healthy: boolean
  readonly lastError: string | null
  readonly store: {
    readonly reachable: boolean
    readonly fail_static: boolean
    readonly down_since: string | null
    readonly store_id: string | null
    readonly replacements: number
    readonly held: number
    readonly last_replacement: Record<string, unknown> | null
  }
}

/** A worker's answer, or a failure when it does not answer within 10 s (a dead worker never does). */
export const ask = (worker: Worker, command: Record<string, unknown>): Promise<Record<string, unknown>> =>
  Promise.race([
    worker.send(command),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker did not answer ${command.op} within 10 s (dead?)`)), 10_000).unref())
  ])

export const linkOf = (worker: Worker) => ask(worker, { op: "link" }) as unknown as Promise<Link>

export const accepts = (worker: Worker, key: string, domain = "task") => ask(worker, { op: "try", domain, key }).then((r) => r.accepted === true)

/** The parts of the run process's health snapshot these tests read. */
export interface Snapshot {
  readonly ready: boolean
  readonly ready_reasons: ReadonlyArray<string>
  readonly activity_state: Readonly<Record<string, Readonly<Record<string, { readonly paused: boolean }>>>>
  readonly supervisor: { readonly healthy: boolean; readonly store: Link["store"] | null }
}

/** The run process's health snapshot, as `health --probe` reads it. */
export const snapshotOf = (cache: string): Snapshot | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(cache, "runtime_health.json"), "utf8")) as Snapshot
  } catch {
    return undefined
  }
}

/** Is `key` paused in what the run process enforces (its snapshot's `activity_state`)? */
export const runRefuses = (cache: string, key: string, domain = "task") => snapshotOf(cache)?.activity_state?.[domain]?.[key]?.paused === true

export const readyz = async (run: Running) => {
  const response = await fetch(`${run.base}/readyz?verbose`)
  return { status: response.status, body: (await response.json()) as { ready: boolean; reasons: Array<string>; checks: Array<{ name: string; ok: boolean; detail: string | null }> } }
}

export const probe = (cache: string) => oneiric(cache, "health", "--probe")

/** A copy of a SQLite file made with SQLite's backup API (what an operator's backup is). */
export const backupFile = async (from: string, to: string) => {
  const db = new Database(from)
  try {
    await db.backup(to)
  } finally {
    db.close()
  }
}

/** A backup of the store in `cache`. */
export const backup = (cache: string, to: string) => backupFile(storeOf(cache), to)

/** Both processes, started on `cache`, with `keys` paused first and refused by both. */
export const startBoth = async (cache: string, keys: ReadonlyArray<string>, workers: Array<Worker>) => {
  for (const key of keys) expect(oneiric(cache, "pause", "--domain", "task", "--key", key).code).toBe(0)
  const run = await startRun(cache, [], ENV)
  const worker = startWorker(cache, ENV)
  workers.push(worker)
  expect(await worker.send({ op: "ready" })).toMatchObject({ ready: true })
  return { run, worker }
}

export const alive = (run: Running) => run.child.exitCode === null && run.child.signalCode === null
