import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as path from "node:path"
import { ActivityQuery } from "../src/ActivityQuery.js"
import { ActivityStore } from "../src/ActivityStore.js"
import type { TransitionRequest } from "../src/ActivityStore.js"
import type { RequestAction } from "../src/Domain/Activity.js"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import type { Domain } from "../src/Domain/Domain.js"
import { InflightCount, InstanceReport } from "../src/Domain/Instance.js"
import { tempDir } from "./helpers.js"
import { describePg, pgDatabase } from "./postgres.js"

const key = (k: string) => ActivityKey.make(k)
const request = (action: RequestAction, domain: Domain, k: string, extra: Partial<TransitionRequest> = {}): TransitionRequest => ({
  domain,
  key: key(k),
  action,
  actor: "tester@host",
  source: "api",
  ...extra
})

const effectiveOf = (domain: Domain, k: ActivityKey) => Effect.flatMap(ActivityQuery, (query) => query.effective(domain, k))

/** The one contract every ActivityStore layer honours. */
const contract = (name: string, layer: () => Layer.Layer<ActivityStore, unknown>, suite: (name: string, body: () => void) => unknown = describe) =>
  suite(`ActivityStore contract: ${name}`, () => {
    const run = <A, E>(body: Effect.Effect<A, E, ActivityStore | ActivityQuery>) =>
      Effect.provide(body, ActivityQuery.layer.pipe(Layer.provideMerge(layer())))

    it.effect("pause writes the row and a history row; resume deletes the row and clears the note", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const paused = yield* store.transition(request("pause", "workflow", "orders", { note: "maintenance" }))
        expect(paused.before).toBeNull()
        expect(paused.after).toMatchObject({ paused: true, draining: false, note: "maintenance", updatedBy: "tester@host", source: "api" })
        expect(paused.transition).toMatchObject({ action: "pause", paused: true, note: "maintenance" })
        expect(yield* store.get("workflow", key("orders"))).toMatchObject({ paused: true, note: "maintenance" })

        const resumed = yield* store.transition(request("resume", "workflow", "orders"))
        expect(resumed.after).toBeNull()
        expect(yield* store.get("workflow", key("orders"))).toBeNull()
        expect((yield* effectiveOf("workflow", key("orders"))).state).toBe("accepting")

        const history = yield* store.history()
        expect(history.map((t) => t.action)).toEqual(["resume", "pause"])
        expect(history[1]!.note).toBe("maintenance")
        expect(history[0]!.seq).toBeGreaterThan(history[1]!.seq)
      })))

    it.effect("keys: a domain's stored keys, wildcard rules included, optionally only those of a length range", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        for (const k of ["ab", "abc", "abcd", "abcde", "ab.*"]) yield* store.transition(request("pause", "task", k))
        yield* store.transition(request("pause", "event", "abc"))
        expect([...(yield* store.keys("task"))].sort()).toEqual(["ab", "ab.*", "abc", "abcd", "abcde"])
        expect([...(yield* store.keys("task", { min: 3, max: 4 }))].sort()).toEqual(["ab.*", "abc", "abcd"])
        expect(yield* store.keys("workflow")).toEqual([])
      })))

    it.effect("pause and drain combine; clear-pause keeps draining, clear-drain then removes the row", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        yield* store.transition(request("pause", "task", "t1"))
        yield* store.transition(request("drain", "task", "t1", { note: "deploy" }))
        expect(yield* store.get("task", key("t1"))).toMatchObject({ paused: true, draining: true, note: "deploy" })
        yield* store.transition(request("clear-pause", "task", "t1"))
        expect((yield* effectiveOf("task", key("t1"))).state).toBe("draining")
        yield* store.transition(request("clear-drain", "task", "t1"))
        expect(yield* store.get("task", key("t1"))).toBeNull()
        expect((yield* store.history()).length).toBe(4)
      })))

    it.effect("a transition that changes nothing writes nothing and says so", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const resumed = yield* store.transition(request("resume", "adapter", "cache"))
        expect(resumed).toMatchObject({ before: null, after: null, changed: false, transition: null })
        const first = yield* store.transition(request("pause", "adapter", "cache", { note: "flaky" }))
        expect(first.changed).toBe(true)
        const again = yield* store.transition(request("pause", "adapter", "cache", { note: "flaky", actor: "someone@else" }))
        expect(again).toMatchObject({ changed: false, transition: null, seq: first.seq })
        expect(again.after).toMatchObject({ paused: true, note: "flaky", updatedBy: "tester@host" })
        // A new note or expiry is a change.
        expect((yield* store.transition(request("pause", "adapter", "cache", { note: "still flaky" }))).changed).toBe(true)
        const preview = yield* store.preview(request("pause", "adapter", "cache"))
        expect(preview.changed).toBe(false)
        expect((yield* store.history({ domain: "adapter" })).map((t) => t.action)).toEqual(["pause", "pause"])
      })))

    it.effect("wildcards: `*` covers a domain, `a.*` covers keys under `a.` only, the most specific rule decides", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        yield* store.transition(request("drain", "event", "*", { note: "all events" }))
        yield* store.transition(request("pause", "event", "billing.*", { note: "billing" }))
        const invoice = yield* effectiveOf("event", key("billing.invoice.created"))
        expect(invoice).toMatchObject({ state: "paused", paused: true, draining: true, note: "billing" })
        expect(invoice.rule).toMatchObject({ key: "billing.*", kind: "wildcard" })
        const other = yield* effectiveOf("event", key("billingx"))
        expect(other).toMatchObject({ state: "draining", paused: false })
        expect(other.rule?.key).toBe("*")
        yield* store.transition(request("pause", "event", "billing.invoice.created", { note: "own" }))
        const own = yield* effectiveOf("event", key("billing.invoice.created"))
        expect(own.rule).toMatchObject({ key: "billing.invoice.created", kind: "own" })
        expect((yield* effectiveOf("task", key("billing.x"))).state).toBe("accepting")
      })))

    it.effect("list filters by domain and state, sorted by domain then key", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        yield* store.transition(request("pause", "task", "b"))
        yield* store.transition(request("drain", "task", "a"))
        yield* store.transition(request("pause", "adapter", "z"))
        expect((yield* store.list()).map((r) => `${r.domain}/${r.key}`)).toEqual(["adapter/z", "task/a", "task/b"])
        expect((yield* store.list({ domain: "task" })).map((r) => r.key)).toEqual(["a", "b"])
        expect((yield* store.list({ state: "paused" })).map((r) => r.key)).toEqual(["z", "b"])
        expect((yield* store.list({ domain: "task", state: "draining" })).map((r) => r.key)).toEqual(["a"])
      })))

    it.effect("history filters by domain and key, newest first, with a limit", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        for (let i = 0; i < 5; i++) yield* store.transition(request(i % 2 === 0 ? "pause" : "resume", "service", "api"))
        yield* store.transition(request("pause", "service", "other"))
        const limited = yield* store.history({ domain: "service", key: key("api"), limit: 2 })
        expect(limited.map((t) => t.action)).toEqual(["pause", "resume"])
        expect(yield* store.history({ key: key("api") })).toHaveLength(5)
        expect(yield* store.history({ domain: "task" })).toHaveLength(0)
      })))

    it.effect("preview writes nothing", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const preview = yield* store.preview(request("pause", "task", "t", { note: "n" }))
        expect(preview.after).toMatchObject({ paused: true, note: "n" })
        expect(preview.transition).toBeNull()
        expect(yield* store.get("task", key("t"))).toBeNull()
        expect(yield* store.history()).toHaveLength(0)
      })))

    it.effect("expired rows read as accepting, are recorded as expired when touched, and by expireDue", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const now = yield* DateTime.now
        yield* store.transition(request("pause", "task", "a", { expiresAt: DateTime.add(now, { minutes: 1 }) }))
        yield* store.transition(request("pause", "task", "b", { expiresAt: DateTime.add(now, { minutes: 1 }) }))
        expect((yield* effectiveOf("task", key("a"))).state).toBe("paused")
        yield* TestClock.adjust("2 minutes")
        expect((yield* effectiveOf("task", key("a"))).state).toBe("accepting")
        expect((yield* store.list({ state: "accepting" })).map((r) => r.key)).toEqual(["a", "b"])
        const touched = yield* store.transition(request("drain", "task", "a"))
        expect(touched.expired).toMatchObject({ action: "expired", source: "expiry", paused: false })
        expect(touched.before).toBeNull()
        expect(touched.after).toMatchObject({ paused: false, draining: true, expiresAt: null })
        const swept = yield* store.expireDue
        expect(swept.map((t) => `${t.key}:${t.action}`)).toEqual(["b:expired"])
        expect(yield* store.get("task", key("b"))).toBeNull()
        expect(yield* store.expireDue).toEqual([])
        expect((yield* store.history({ domain: "task" })).map((t) => `${t.key}:${t.action}`)).toEqual([
          "b:expired", "a:drain", "a:expired", "b:pause", "a:pause"
        ])
      })))

    it.effect("changesSince reports changed keys with their current rows", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const start = yield* store.changesSince(0)
        expect(start.changed).toEqual([])
        yield* store.transition(request("pause", "task", "a"))
        yield* store.transition(request("pause", "task", "b"))
        const first = yield* store.changesSince(start.seq)
        expect(first.reset).toBe(false)
        expect(first.changed.map((c) => `${c.key}:${c.entry?.paused}`).sort()).toEqual(["a:true", "b:true"])
        expect((yield* store.changesSince(first.seq)).changed).toEqual([])
        yield* store.transition(request("resume", "task", "a"))
        const second = yield* store.changesSince(first.seq)
        expect(second.changed).toEqual([{ domain: "task", key: "a", entry: null }])
        expect(second.seq).toBeGreaterThan(first.seq)
      })))

    it.effect("snapshot, change token and the transition's feed position agree", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const empty = yield* store.snapshot
        expect(empty.entries).toEqual([])
        const token = yield* store.changeToken
        expect(yield* store.changeToken).toBe(token)
        const result = yield* store.transition(request("pause", "task", "a"))
        expect(yield* store.changeToken).not.toBe(token)
        const snapshot = yield* store.snapshot
        expect(snapshot.seq).toBe(result.seq)
        expect(snapshot.entries.map((e) => e.key)).toEqual(["a"])
        expect((yield* store.changesSince(snapshot.seq)).changed).toEqual([])
      })))

    it.effect("instances are published, replaced and removed", () =>
      run(Effect.gen(function*() {
        const store = yield* ActivityStore
        const now = yield* DateTime.now
        const report = (appliedSeq: number, count: number) =>
          new InstanceReport({
            id: "i-1", pid: 42, host: "h", startedAt: now, heartbeatAt: now, heartbeatIntervalMs: 1000, appliedSeq,
            inflight: count === 0 ? [] : [new InflightCount({ domain: "task", key: key("a"), count })]
          })
        yield* store.publishInstance(report(1, 3))
        yield* store.publishInstance(report(2, 1))
        const [only] = yield* store.instances
        expect(only).toMatchObject({ id: "i-1", pid: 42, appliedSeq: 2, inflight: [{ domain: "task", key: "a", count: 1 }] })
        yield* store.removeInstance("i-1")
        expect(yield* store.instances).toEqual([])
      })))
  })

contract("memory", () => ActivityStore.layerMemory)
contract("sqlite", () => ActivityStore.layerSqlite({ filename: path.join(tempDir(), "domain_activity.sqlite") }))
// The same portable store over the PostgreSQL dialect: a schema of its own per test.
const database = pgDatabase()
contract("postgres", () => ActivityStore.layerPostgres({ url: database.store() }), describePg)
