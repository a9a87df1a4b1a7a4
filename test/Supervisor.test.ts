import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { ActivityStore } from "../src/ActivityStore.js"
import type { TransitionRequest } from "../src/ActivityStore.js"
import type { RequestAction } from "../src/Domain/Activity.js"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import type { Domain } from "../src/Domain/Domain.js"
import { StoreUnavailable } from "../src/Domain/Errors.js"
import { ConfigResolver } from "../src/ConfigResolver.js"
import { Supervisor } from "../src/Supervisor.js"
import { memoryStack } from "./layers.js"

const request = (action: RequestAction, domain: Domain, key: string, extra: Partial<TransitionRequest> = {}): TransitionRequest => ({
  domain, key: ActivityKey.make(key), action, actor: "test", source: "api", ...extra
})

const ready = Effect.flatMap(Supervisor, (s) => Effect.as(s.awaitReady, s))

describe("Supervisor", () => {
  it.effect("loads the state before it accepts work, then answers synchronously with the deciding rule", () =>
    Effect.gen(function*() {
      const store = yield* ActivityStore
      yield* store.transition(request("pause", "event", "billing.*", { note: "freeze" }))
      // The supervisor starts on a store that already has a rule.
      yield* Effect.gen(function*() {
        const s = yield* Supervisor
        expect(s.shouldAcceptWork("event", "billing.invoice")).toBe(false)
        expect(s.refusal("event", "billing.invoice")).toMatchObject({ state: "paused", rule: "billing.*", note: "freeze" })
        expect(s.shouldAcceptWork("event", "billingx")).toBe(true)
        expect(s.shouldAcceptWork("task", "billing.invoice")).toBe(true)
        expect(yield* s.status).toMatchObject({ phase: "running", healthy: true, keys: 1 })
      }).pipe(Effect.provide(Supervisor.layer))
    }).pipe(Effect.provide(Layer.merge(ActivityStore.layerMemory, ConfigResolver.layerStatic()))))

  it.effect("refuses with `starting` until the first load succeeds", () => {
    const down = Layer.effect(ActivityStore, Effect.map(ActivityStore, (inner) => ({
      ...inner,
      snapshot: Effect.fail(new StoreUnavailable({ store: "memory", message: "not yet" }))
    }))).pipe(Layer.provide(ActivityStore.layerMemory))
    return Effect.gen(function*() {
      const s = yield* Supervisor
      expect(s.refusal("task", "anything")).toMatchObject({ state: "starting", rule: null })
      expect(yield* s.status).toMatchObject({ phase: "starting", healthy: false, lastError: "not yet" })
    }).pipe(Effect.provide(memoryStack(undefined, down)))
  })

  it.effect("writes through the supervisor take effect before the call returns", () =>
    Effect.gen(function*() {
      const s = yield* ready
      yield* s.transition(request("drain", "workflow", "orders"))
      expect(s.refusal("workflow", "orders")).toMatchObject({ state: "draining", rule: "orders" })
      yield* s.transition(request("resume", "workflow", "orders"))
      expect(s.shouldAcceptWork("workflow", "orders")).toBe(true)
    }).pipe(Effect.provide(memoryStack())))

  it.effect("follows writes made elsewhere within one poll interval", () =>
    Effect.gen(function*() {
      const s = yield* ready
      const store = yield* ActivityStore
      yield* store.transition(request("pause", "task", "t"))
      expect(s.shouldAcceptWork("task", "t")).toBe(true)
      yield* TestClock.adjust("250 millis")
      expect(s.shouldAcceptWork("task", "t")).toBe(false)
      expect((yield* s.status).appliedSeq).toBe(1)
    }).pipe(Effect.provide(memoryStack())))

  it.effect("expiries fire on time: auto-resume, `expired` in history, a delta", () =>
    Effect.gen(function*() {
      const s = yield* ready
      const store = yield* ActivityStore
      const deltas = yield* Effect.fork(Stream.runCollect(Stream.take(yield* s.subscribe(), 2)))
      const now = yield* DateTime.now
      yield* s.transition(request("pause", "task", "t", { expiresAt: DateTime.add(now, { millis: 1_100 }) }))
      yield* TestClock.adjust("1099 millis")
      expect(s.shouldAcceptWork("task", "t")).toBe(false)
      yield* TestClock.adjust("1 millis")
      expect(s.shouldAcceptWork("task", "t")).toBe(true)
      expect((yield* store.history()).map((t) => t.action)).toEqual(["expired", "pause"])
      const seen = Chunk.toArray(yield* Fiber.join(deltas))
      expect(seen.map((d) => `${d.cause}:${d.after?.paused ?? "none"}`)).toEqual(["local:true", "expired:none"])
    }).pipe(Effect.scoped, Effect.provide(memoryStack())))

  it.effect("changes: domain filter and replay of the current state first", () =>
    Effect.gen(function*() {
      const s = yield* ready
      yield* s.transition(request("pause", "task", "a"))
      yield* s.transition(request("drain", "event", "old"))
      const events = yield* Effect.fork(Stream.runCollect(Stream.take(yield* s.subscribe({ domain: "event", replay: true }), 2)))
      yield* s.transition(request("pause", "task", "b"))
      yield* s.transition(request("drain", "event", "e"))
      expect(Chunk.toArray(yield* Fiber.join(events)).map((d) => `${d.domain}/${d.key}:${d.cause}`)).toEqual(["event/old:replay", "event/e:local"])
      const all = yield* Stream.runCollect(Stream.take(yield* s.subscribe({ replay: true }), 4))
      expect(Chunk.toArray(all).map((d) => `${d.domain}/${d.key}:${d.cause}`).sort()).toEqual(["event/e:replay", "event/old:replay", "task/a:replay", "task/b:replay"])
    }).pipe(Effect.scoped, Effect.provide(memoryStack())))

  it.effect("a subscriber that falls behind loses the oldest deltas, never the newest", () =>
    Effect.gen(function*() {
      const s = yield* ready
      const stream = yield* s.subscribe()
      // 100 more transitions than the subscription holds, none read yet.
      for (let i = 0; i < 4196; i++) yield* s.transition(request("pause", "task", `k${i}`))
      const held = Chunk.toArray(yield* Stream.runCollect(Stream.take(stream, 4096)))
      expect(held[0]?.key).toBe("k100")
      expect(held[held.length - 1]?.key).toBe("k4195")
    }).pipe(Effect.scoped, Effect.provide(memoryStack())), 60_000)

  it.effect("a failing store marks it unhealthy with the error, keeps serving the last state, and recovers", () => {
    let broken = false
    const flaky = Layer.effect(ActivityStore, Effect.map(ActivityStore, (inner) => ({
      ...inner,
      changeToken: Effect.suspend(() => broken ? Effect.fail(new StoreUnavailable({ store: "memory", message: "database is locked" })) : inner.changeToken)
    }))).pipe(Layer.provide(ActivityStore.layerMemory))
    return Effect.gen(function*() {
      const s = yield* ready
      yield* s.transition(request("pause", "task", "t"))
      broken = true
      yield* TestClock.adjust("250 millis")
      expect(yield* s.status).toMatchObject({ healthy: false, lastError: "database is locked" })
      expect(s.shouldAcceptWork("task", "t")).toBe(false)
      yield* TestClock.adjust("10 seconds")
      expect((yield* s.status).healthy).toBe(false)
      broken = false
      yield* TestClock.adjust("5 seconds")
      expect(yield* s.status).toMatchObject({ healthy: true, lastError: null })
    }).pipe(Effect.provide(memoryStack(undefined, flaky)))
  })

  it.effect("disabled by configuration: no loop, every key accepts", () =>
    Effect.gen(function*() {
      const s = yield* ready
      expect(s.shouldAcceptWork("task", "x")).toBe(true)
      expect(yield* s.status).toMatchObject({ enabled: false, running: false })
    }).pipe(Effect.provide(memoryStack({ supervisorEnabled: false }))))
})
