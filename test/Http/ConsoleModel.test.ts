/**
 * The console's own copy of the state rules (it runs in the browser without Effect) against the
 * server's: effective state, covers, in-flight counts, drain progress, the filters.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { ActivityEntry } from "../../src/Domain/Activity.js"
import { ActivityKey, candidateRules as serverCandidates, covers as serverCovers } from "../../src/Domain/ActivityKey.js"
import { effectiveState } from "../../src/Domain/Rules.js"
import { candidateRules, ConsoleModel, countdown, covers, drainProgress, filterHistory, filterKeys } from "../../src/Http/console/model.js"
import { InflightCount } from "../../src/Domain/Instance.js"
import { ConsoleComponent, ConsoleHealth, ConsoleInstance, ConsoleSnapshot, Readiness } from "../../src/Http/Wire.js"

/** Seeded, so a failure reproduces. */
const random = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}

const NOW = DateTime.unsafeMake("2026-12-01T12:00:00Z")
const KEYS = ["a", "a.b", "a.b.c", "a.bc", "b", "b.x", "*", "a.*", "a.b.*", "b.*", "c.d.*"]
const health = new ConsoleHealth({ readiness: new Readiness({ ready: true, reasons: [], checks: [] }), components: [], phase: "running", supervisorHealthy: true, supervisorError: null })

const snapshotOf = (rows: ReadonlyArray<ActivityEntry>, instances: ConsoleSnapshot["instances"] = []) =>
  Schema.encodeSync(ConsoleSnapshot)(new ConsoleSnapshot({ store: "memory", now: NOW, rows, pending: 0, instances, health, history: [] }))

const row = (key: string, fields: Partial<{ paused: boolean; draining: boolean; note: string | null; expiresAt: DateTime.Utc | null }>) =>
  new ActivityEntry({
    domain: "task", key: ActivityKey.make(key), paused: false, draining: false, note: null, updatedAt: NOW, updatedBy: "t", source: "cli", expiresAt: null, ...fields
  })

describe("console model", () => {
  it("covers and candidateRules agree with the Domain's", () => {
    for (const pattern of KEYS) for (const key of KEYS) expect([pattern, key, covers(pattern, key)]).toEqual([pattern, key, serverCovers(pattern, key)])
    for (const key of [...KEYS, "x.y.z.w", "..", "a..b"]) expect(candidateRules(key)).toEqual(serverCandidates(key))
  })

  it("effective state agrees with the server's rules on 300 random stores", () => {
    const next = random(42)
    for (let round = 0; round < 300; round++) {
      const rows = KEYS.filter(() => next() < 0.45).map((key) => {
        const paused = next() < 0.5
        const draining = !paused || next() < 0.3
        const expiry = next()
        return row(key, {
          paused,
          draining,
          note: next() < 0.5 ? `note ${round}` : null,
          expiresAt: expiry < 0.2 ? DateTime.subtract(NOW, { minutes: 1 }) : expiry < 0.4 ? DateTime.add(NOW, { minutes: 5 }) : null
        })
      })
      const model = new ConsoleModel()
      model.applySnapshot(snapshotOf(rows), DateTime.toEpochMillis(NOW))
      const byKey = new Map(rows.map((r) => [r.key as string, r]))
      for (const key of KEYS.filter((k) => !k.endsWith("*")).concat(["a.b.c.d", "zzz"])) {
        const server = effectiveState("task", key, (k) => byKey.get(k), NOW)
        const console = model.effective("task", key, DateTime.toEpochMillis(NOW))
        expect([round, key, console.state, console.paused, console.draining, console.note, console.expiresAt]).toEqual([
          round, key, server.state, server.paused, server.draining, server.note, server.expiresAt === null ? null : DateTime.toEpochMillis(server.expiresAt)
        ])
        expect([round, key, console.rule]).toEqual([round, key, server.rule?.kind === "wildcard" ? server.rule.key : null])
      }
    }
  })

  it("keys with work in flight are listed; drained needs nothing in flight on any live instance; drain progress", () => {
    const model = new ConsoleModel()
    const instance = (id: string, live: boolean, appliedSeq: number, inflight: ReadonlyArray<readonly [string, number]>) =>
      new ConsoleInstance({
        id, pid: 1, host: "h", startedAt: NOW, appliedSeq, live, self: false,
        inflight: inflight.map(([key, count]) => new InflightCount({ domain: "task", key: ActivityKey.make(key), count }))
      })
    const instances = [instance("one", true, 7, [["a.b", 2]]), instance("two", true, 5, [["zzz", 1]]), instance("dead", false, 0, [["a.bc", 9]])]
    model.applySnapshot(
      Schema.encodeSync(ConsoleSnapshot)(new ConsoleSnapshot({ store: "memory", now: NOW, rows: [row("a.*", { draining: true }), row("b", { draining: true })], pending: 0, instances, health, history: [] })),
      DateTime.toEpochMillis(NOW)
    )
    expect(model.keys().map((k) => `${k.key}:${k.row === null ? "-" : "row"}`)).toEqual(["a.b:-", "b:row", "zzz:-"])
    expect(model.stateOf("task", "a.b").state).toBe("draining")
    expect(model.stateOf("task", "b").state).toBe("drained")
    expect(model.inflight("task", "a.*")).toBe(2)
    expect(model.covered("task", "a.*")).toBe(1)
    expect(drainProgress(model, "task", "a.*", 6)).toEqual({ inflight: 2, instances: 2, pending: 1, done: false })
    expect(drainProgress(model, "task", "b", 5)).toEqual({ inflight: 0, instances: 2, pending: 0, done: true })
    expect(filterKeys(model, { domain: "", text: "", state: "drained" }).map((k) => k.key)).toEqual(["b"])
    expect(filterKeys(model, { domain: "task", text: "ZZ", state: "" }).map((k) => k.key)).toEqual(["zzz"])
    model.applyRows({ changes: [{ domain: "task", key: "a.*", after: null, cause: "store" }] })
    expect(model.stateOf("task", "a.b").state).toBe("accepting")
    // A registered component is a key too, listed even with nothing stored or running.
    model.applyHealth(Schema.encodeSync(ConsoleHealth)(new ConsoleHealth({ ...health, components: [new ConsoleComponent({ domain: "event", key: "mailer", state: "ready", hasCheck: true, lastError: null })] })))
    expect(model.keys().map((k) => `${k.domain}/${k.key}`)).toEqual(["event/mailer", "task/a.b", "task/b", "task/zzz"])
  })

  it("history: newest first, filtered by domain, key, actor and source; events never add a transition twice", () => {
    const model = new ConsoleModel()
    const t = (seq: number, domain: "task" | "event", key: string, actor: string, source: string) => ({
      seq, at: "2026-12-01T12:00:00.000Z", domain, key, action: "pause" as const, paused: true, draining: false, note: null, actor, source, expires_at: null
    })
    model.applyHistory({ transitions: [t(1, "task", "a", "alice", "cli"), t(2, "event", "b", "bob", "http")] }, 10)
    model.applyHistory({ transitions: [t(2, "event", "b", "bob", "http"), t(3, "task", "ab", "Alice", "http")] }, 10)
    expect(model.history.map((h) => h.seq)).toEqual([1, 2, 3])
    const all = { domain: "", key: "", actor: "", source: "" }
    expect(filterHistory(model.history, all).map((h) => h.seq)).toEqual([3, 2, 1])
    expect(filterHistory(model.history, { ...all, domain: "task" }).map((h) => h.seq)).toEqual([3, 1])
    expect(filterHistory(model.history, { ...all, key: "b" }).map((h) => h.seq)).toEqual([3, 2])
    expect(filterHistory(model.history, { ...all, actor: "alice" }).map((h) => h.seq)).toEqual([3, 1])
    expect(filterHistory(model.history, { ...all, source: "http" }).map((h) => h.seq)).toEqual([3, 2])
    model.applyHistory({ transitions: [t(4, "task", "c", "c", "cli"), t(5, "task", "d", "d", "cli")] }, 3)
    expect(model.history.map((h) => h.seq)).toEqual([3, 4, 5])
  })

  it("countdowns", () => {
    expect([countdown(0, 0), countdown(42_000, 0), countdown(252_000, 0), countdown(7_500_000, 0), countdown(100_000_000, 0)])
      .toEqual(["due", "42s", "4m 12s", "2h 5m", "1d 3h"])
  })
})
