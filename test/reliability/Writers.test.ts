/**
 * Writer processes against one SQLite store (test/fixtures/hammer.mjs): many together lose nothing, and
 * writers SIGKILLed mid-transition lose nothing either — every history row replays to the row it recorded
 * and to the final state, the survivors' transitions are all there, and the database is intact. A running
 * supervisor (the worker fixture) follows the store throughout and ends up enforcing exactly the final state:
 * its gate refuses every key the store says is paused or draining. `npm run test:soak` (ONEIRIC_SOAK=1):
 * 8 writers × 2,000 transitions and 30 kills; the normal suite: 4 × 250 and 6 kills.
 */
import Database from "better-sqlite3"
import { expect as effectExpect } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { ActivityStore } from "../../src/ActivityStore.js"
import type { Transition } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { checkNothingLost, hammer, hammerTogether } from "../ActivityStore/hammer.js"
import type { Operations } from "../ActivityStore/hammer.js"
import { tempDir } from "../helpers.js"
import { seededRandom } from "../seeded.js"
import { accepts, eventually, killWorkers, SOAK, startWorker } from "./processes.js"

afterEach(killWorkers)

const KEYS = 10
const storeOf = (cache: string) => path.join(cache, "domain_activity.sqlite")
const sqlite = (file: string) => ActivityStore.layerSqlite({ filename: file })

/** The worker's gate agrees with the store: refused exactly where a row is paused or draining. */
const gateMatchesStore = async (worker: Awaited<ReturnType<typeof startWorker>>, file: string) => {
  const rows = await Effect.runPromise(Effect.provide(Effect.flatMap(ActivityStore, (s) => s.list({ domain: "task" })), sqlite(file)))
  const closed = new Set<string>(rows.filter((r) => r.paused || r.draining).map((r) => r.key))
  await eventually(async () => {
    for (let i = 0; i < KEYS; i++) {
      if ((await accepts(worker, `k${i}`)) === closed.has(`k${i}`)) return false
    }
    return true
  }, 15_000)
  return closed.size
}

/** History replayed in feed order gives every recorded row and the final rows (for writers whose operations are unknown: killed). */
const replayMatches = (file: string) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const history: ReadonlyArray<Transition> = [...(yield* store.history({ limit: 1_000_000 }))].reverse()
    const flags = new Map<string, { paused: boolean; draining: boolean }>()
    for (const t of history) {
      const before = flags.get(t.key) ?? { paused: false, draining: false }
      const next = t.action === "pause" ? { ...before, paused: true }
        : t.action === "drain" ? { ...before, draining: true }
        : t.action === "clear-pause" ? { ...before, paused: false }
        : t.action === "clear-drain" ? { ...before, draining: false }
        : { paused: false, draining: false }
      effectExpect({ seq: t.seq, paused: t.paused, draining: t.draining }).toEqual({ seq: t.seq, ...next })
      flags.set(t.key, next)
    }
    const rows = yield* store.list({ domain: "task" })
    effectExpect(Object.fromEntries(rows.map((r) => [r.key, { paused: r.paused, draining: r.draining }])))
      .toEqual(Object.fromEntries([...flags].filter(([, f]) => f.paused || f.draining)))
    return history
  }).pipe(Effect.provide(sqlite(file)))

const integrity = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return db.pragma("integrity_check", { simple: true })
  } finally {
    db.close()
  }
}

describe("writers on one store", () => {
  const [writers, count] = SOAK ? [8, 2_000] : [4, 250]
  it(`${writers} writer processes × ${count} transitions lose nothing; a supervisor following them enforces the final state`, async () => {
    const cache = tempDir()
    const file = storeOf(cache)
    const worker = await startWorker(cache)
    const operations = await Effect.runPromise(hammerTogether(file, writers, count, KEYS))
    const interleaved = await Effect.runPromise(Effect.provide(checkNothingLost(operations), sqlite(file)))
    expect(interleaved).toBeGreaterThan(0)
    expect([...operations.values()].reduce((n, ops) => n + ops.length, 0)).toBe(writers * count)
    await gateMatchesStore(worker, file)
    expect(integrity(file)).toBe("ok")
  }, SOAK ? 900_000 : 120_000)

  const kills = SOAK ? 30 : 6
  it(`${kills} writers SIGKILLed mid-transition lose nothing: history replays to the final state, survivors complete, the gate fail-closed throughout`, async () => {
    const cache = tempDir()
    const file = storeOf(cache)
    const worker = await startWorker(cache)
    // A key paused before the fault: it must stay refused whatever the writers do (they only touch k0…k9).
    expect(await Effect.runPromise(Effect.provide(Effect.flatMap(ActivityStore, (s) =>
      s.transition({ domain: "task", key: ActivityKey.make("held"), action: "pause", actor: "ops", source: "cli" })), sqlite(file)))).toMatchObject({ changed: true })
    await eventually(async () => !(await accepts(worker, "held")), 5_000)
    const random = seededRandom(8)
    const survivors = new Map<string, Operations>()
    let killed = 0
    let round = 0
    while (killed < kills) {
      round++
      // Two writers per round: one is killed at a random moment while it writes, the other runs to the end.
      const victim = hammer(file, `victim-${round}`, 1_000 + round, 1_000_000, KEYS)
      const survivor = hammer(file, `survivor-${round}`, 2_000 + round, 200, KEYS)
      await Effect.runPromise(Effect.all([victim.ready, survivor.ready]))
      await Effect.runPromise(Effect.all([victim.go, survivor.go]))
      await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 150)))
      victim.kill("SIGKILL")
      killed++
      expect(await Effect.runPromise(Effect.either(victim.done))).toMatchObject({ _tag: "Left" })
      survivors.set(`survivor-${round}`, await Effect.runPromise(survivor.done))
      // Fail-closed during the fault: the paused key was never admitted.
      expect(await accepts(worker, "held")).toBe(false)
    }
    const history = await Effect.runPromise(replayMatches(file))
    // Every transition of a survivor that changed something has its history row.
    for (const [actor, ops] of survivors) {
      expect([actor, history.filter((t) => t.actor === actor).length]).toEqual([actor, ops.filter((o) => o.changed).length])
    }
    // The victims did write before they died (the kill came mid-stream, not before the first transition).
    expect(history.filter((t) => t.actor?.startsWith("victim-") === true).length).toBeGreaterThan(0)
    expect(integrity(file)).toBe("ok")
    expect(await accepts(worker, "held")).toBe(false)
    await gateMatchesStore(worker, file)
    expect(worker.child.exitCode).toBe(null)
  }, SOAK ? 900_000 : 180_000)
})
