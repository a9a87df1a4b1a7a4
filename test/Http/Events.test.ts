/** `GET /events` over HTTP: the snapshot first, then rows, history and instances as they change; a reconnect resyncs. */
import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { ActivityEntry, Transition } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { TransitionRequest } from "../../src/Domain/Store.js"
import { rowsJson, snapshotJson } from "../../src/Http/EventJson.js"
import { FIRST_ROWS, REPLAY_CHUNK } from "../../src/Http/Feed.js"
import { ConsoleHealth, ConsoleSnapshot, Readiness, RowChange, RowsEvent } from "../../src/Http/Wire.js"
import { Operator } from "../../src/Operator.js"
import { Supervisor } from "../../src/Supervisor.js"
import { WorkGate } from "../../src/WorkGate.js"
import { openEvents, startServer } from "./harness.js"

/** A write as another process makes it, then the supervisor's next tick (no waiting for the poll). */
const write = (context: Context.Context<Operator | Supervisor>, transition: TransitionRequest) =>
  Effect.zipRight(Context.get(context, Operator).transition(transition), Context.get(context, Supervisor).refresh)

const request = (action: TransitionRequest["action"], key: string, note?: string): TransitionRequest => ({
  domain: "task", key: ActivityKey.make(key), action, actor: "tester", source: "cli", note
})

describe("GET /events", () => {
  it.live("starts with retry and a snapshot of every row, then sends each change as it happens", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer()
      yield* write(context, request("pause", "report.*", "freeze"))
      const events = yield* openEvents(`${base}/events`)
      expect(events.response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8")
      expect(events.response.headers.get("cache-control")).toBe("no-store")
      const snapshot = yield* Effect.promise(() => events.next((e) => e.event === "snapshot"))
      expect(events.prelude).toContain("retry: 1000")
      // The rows are the supervisor's, current; instances, readiness and history as last read, then refreshed.
      expect(snapshot.data.rows).toEqual([expect.objectContaining({ domain: "task", key: "report.*", paused: true, note: "freeze", updated_by: "tester" })])
      expect(Number(snapshot.id)).toBeGreaterThanOrEqual(0)
      const model = yield* Effect.promise(() =>
        events.until((m) => m.history.some((t) => t.seq === 1) && m.instances.some((i) => i.live && i.self) && m.health?.readiness.ready === true)
      )
      expect(model.history).toEqual([expect.objectContaining({ seq: 1, action: "pause", key: "report.*" })])
      expect(model.stateOf("task", "report.weekly")).toMatchObject({ state: "paused", effective: { rule: "report.*", note: "freeze" } })

      yield* write(context, request("drain", "report.daily", "slow"))
      const rows = yield* Effect.promise(() => events.next((e) => e.event === "rows"))
      expect(rows.data.changes).toEqual([expect.objectContaining({ domain: "task", key: "report.daily", after: expect.objectContaining({ draining: true, note: "slow" }) })])
      expect(Number(rows.id)).toBeGreaterThan(Number(snapshot.id))
      const history = yield* Effect.promise(() => events.until((m) => m.history.some((t) => t.seq === 2)))
      expect(history.history.at(-1)).toMatchObject({ seq: 2, action: "drain", key: "report.daily", actor: "tester" })

      // Work in flight shows in this instance's counts.
      const gate = Context.get(context, WorkGate)
      const release = yield* Effect.makeLatch(false)
      yield* Effect.forkScoped(gate.run("task", "backup.weekly", release.await))
      const busy = yield* Effect.promise(() => events.next((e) => e.event === "instances" && e.data.instances[0].inflight.length > 0))
      expect(busy.data.instances[0].inflight).toEqual([{ domain: "task", key: "backup.weekly", count: 1 }])
      yield* release.open
      yield* Effect.promise(() => events.next((e) => e.event === "instances" && e.data.instances[0].inflight.length === 0))

      yield* write(context, request("resume", "report.daily"))
      const resumed = yield* Effect.promise(() => events.next((e) => e.event === "rows"))
      expect(resumed.data.changes).toEqual([expect.objectContaining({ key: "report.daily", after: null })])
    })))

  it.live("a new connection (a reconnect) starts again from a fresh snapshot", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer()
      const first = yield* openEvents(`${base}/events`)
      expect((yield* Effect.promise(() => first.next((e) => e.event === "snapshot"))).data.rows).toEqual([])
      first.close()
      yield* write(context, request("pause", "a"))
      yield* write(context, request("pause", "b"))
      const second = yield* openEvents(`${base}/events`, { headers: { "last-event-id": "3" } })
      const snapshot = yield* Effect.promise(() => second.next((e) => e.event === "snapshot"))
      expect(snapshot.data.rows.map((r: { key: string }) => r.key).sort()).toEqual(["a", "b"])
      const model = yield* Effect.promise(() => second.until((m) => m.history.length === 2))
      expect(model.history.map((t) => t.seq)).toEqual([1, 2])
    })))
})

describe("a large snapshot", () => {
  it.live("comes as its first keys (and every rule) at once, then the rest as replay rows before any change", () =>
    Effect.scoped(Effect.gen(function*() {
      const { base, context } = yield* startServer()
      const operator = Context.get(context, Operator)
      const keys = Array.from({ length: 2_500 }, (_, i) => `k${String(2_499 - i).padStart(4, "0")}`)
      for (const key of keys) yield* operator.transition(request("pause", key))
      yield* write(context, request("drain", "zz.*", "rule sorts last, comes first"))
      const events = yield* openEvents(`${base}/events`)
      const snapshot = yield* Effect.promise(() => events.next((e) => e.event === "snapshot"))
      expect(snapshot.data.rows.map((r: { key: string }) => r.key)).toEqual(["zz.*", ...[...keys].sort().slice(0, FIRST_ROWS)])
      expect(snapshot.data.pending).toBe(2_500 - FIRST_ROWS)
      const replay = yield* Effect.promise(() => events.next((e) => e.event === "rows"))
      expect(replay.data.changes).toHaveLength(REPLAY_CHUNK)
      expect(replay.data.changes[0]).toMatchObject({ key: [...keys].sort()[FIRST_ROWS], cause: "replay" })
      const model = yield* Effect.promise(() => events.until((m) => m.pending === 0))
      expect(model.keys().map((k) => k.key)).toEqual([...keys].sort())
      // A change made now arrives after the replay, so it is not overwritten by it.
      yield* write(context, request("resume", "k0001"))
      const after = yield* Effect.promise(() => events.until((m) => m.stateOf("task", "k0001").state === "accepting"))
      expect(after.keys()).toHaveLength(2_499)
    })), 60_000)
})

describe("the snapshot's JSON", () => {
  it.live("is ConsoleSnapshot's (and RowsEvent's) Schema encoding, cached rows and all", () =>
    Effect.gen(function*() {
      const now = DateTime.unsafeMake("2026-12-01T12:00:00.123Z")
      const row = (key: string, note: string | null) =>
        new ActivityEntry({ domain: "task", key: ActivityKey.make(key), paused: true, draining: false, note, updatedAt: now, updatedBy: "a \"quoted\" actor", source: "http", expiresAt: DateTime.add(now, { hours: 1 }) })
      const transition = new Transition({ seq: 7, at: now, domain: "event", key: ActivityKey.make("k"), action: "drain", paused: false, draining: true, note: "n\\u2028", actor: null, source: null, expiresAt: null })
      const health = new ConsoleHealth({ readiness: new Readiness({ ready: false, reasons: ["store unavailable"], checks: [{ name: "supervisor", ok: false, detail: "boom" }] }), components: [], phase: "running", supervisorHealthy: false, supervisorError: "boom" })
      const rows = [row("a", null), row("b.*", "why\\nnot")]
      for (const snapshot of [
        new ConsoleSnapshot({ store: "sqlite:/x \"y\"", now, rows, pending: 3, instances: [], health, history: [transition] }),
        new ConsoleSnapshot({ store: "memory", now, rows: [...rows, row("c", "third")], pending: 0, instances: [], health, history: [] })
      ]) {
        expect(JSON.parse(snapshotJson(snapshot))).toEqual(Schema.encodeSync(ConsoleSnapshot)(snapshot))
      }
      const changes = new RowsEvent({
        changes: [new RowChange({ domain: "task", key: ActivityKey.make("a"), after: rows[0]!, cause: "replay" }), new RowChange({ domain: "event", key: ActivityKey.make("b.*"), after: null, cause: "store" })]
      })
      expect(JSON.parse(rowsJson(changes))).toEqual(Schema.encodeSync(RowsEvent)(changes))
    }))
})
