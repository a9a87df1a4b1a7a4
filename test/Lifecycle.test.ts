import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { Lifecycle } from "../src/Lifecycle.js"

const healthOf = (domain: string, key: string) =>
  Effect.flatMap(Lifecycle, (l) => l.components).pipe(Effect.map((all) => all.find((c) => c.domain === domain && c.key === key)?.health))

/** Let forked fibers (the checking loop) run. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("Lifecycle", () => {
  it.effect("registers per domain, counts, unregisters (idempotently); a component without a check is ready", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      const a = yield* lifecycle.register({ domain: "adapter", key: "smtp" })
      yield* lifecycle.register({ domain: "task", key: "reports" })
      yield* lifecycle.register({ domain: "task", key: "billing" })
      expect(yield* lifecycle.counts).toEqual({ adapter: 1, task: 2 })
      expect((yield* lifecycle.components).map((c) => `${c.domain}/${c.key}`)).toEqual(["adapter/smtp", "task/billing", "task/reports"])
      expect(yield* healthOf("adapter", "smtp")).toMatchObject({ state: "ready", hasCheck: false, lastHealthAt: null })
      yield* a
      yield* a
      expect(yield* lifecycle.counts).toEqual({ task: 2 })
    }).pipe(Effect.provide(Lifecycle.layer())))

  it.effect("refuses a duplicate (domain, key) and an empty key", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      yield* lifecycle.register({ domain: "service", key: "db" })
      const duplicate = yield* Effect.flip(lifecycle.register({ domain: "service", key: "db" }))
      expect(duplicate._tag).toBe("DuplicateComponent")
      expect(duplicate.message).toBe("component service/db is already registered")
      expect((yield* Effect.flip(lifecycle.register({ domain: "service", key: "" })))._tag).toBe("InvalidInput")
      // Another domain may use the same key.
      yield* lifecycle.register({ domain: "adapter", key: "db" })
    }).pipe(Effect.provide(Lifecycle.layer())))

  it.effect("a check's result: ready, degraded, failed (error, defect, timeout)", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      yield* lifecycle.register({ domain: "service", key: "ok", check: Effect.void })
      yield* lifecycle.register({ domain: "service", key: "slow-disk", check: Effect.succeed("degraded" as const) })
      yield* lifecycle.register({ domain: "service", key: "db", check: Effect.fail(new Error("connection refused")) })
      yield* lifecycle.register({ domain: "service", key: "buggy", check: Effect.sync(() => { throw new Error("bug") }) })
      yield* lifecycle.register({ domain: "service", key: "hung", check: Effect.never, timeoutMs: 100 })
      const run = yield* Effect.fork(lifecycle.checkNow)
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(run)
      expect(yield* healthOf("service", "ok")).toMatchObject({ state: "ready", lastError: null, hasCheck: true })
      expect((yield* healthOf("service", "ok"))?.lastHealthAt).not.toBeNull()
      expect(yield* healthOf("service", "slow-disk")).toMatchObject({ state: "degraded", lastError: null })
      expect(yield* healthOf("service", "db")).toMatchObject({ state: "failed", lastError: "connection refused" })
      expect(yield* healthOf("service", "buggy")).toMatchObject({ state: "failed", lastError: "defect: bug" })
      expect(yield* healthOf("service", "hung")).toMatchObject({ state: "failed", lastError: "timed out after 100 ms", lastDurationMs: 100 })
    }).pipe(Effect.provide(Lifecycle.layer())))

  it.effect("checks run soon after registration, then on the interval; a recovered check is ready again", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      let calls = 0
      let broken = true
      const check = Effect.suspend(() => {
        calls++
        return broken ? Effect.fail("down") : Effect.void
      })
      yield* lifecycle.register({ domain: "adapter", key: "queue", check })
      yield* settle
      expect(calls).toBe(1)
      expect(yield* healthOf("adapter", "queue")).toMatchObject({ state: "failed", lastError: "down" })
      broken = false
      yield* TestClock.adjust("999 millis")
      expect(calls).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(calls).toBe(2)
      expect(yield* healthOf("adapter", "queue")).toMatchObject({ state: "ready", lastError: null })
      yield* TestClock.adjust("3 seconds")
      expect(calls).toBe(5)
    }).pipe(Effect.provide(Lifecycle.layer({ intervalMs: 1_000 }))))

  it.effect("registerScoped lasts as long as its scope; subscribers see registrations and state changes", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      const events = yield* lifecycle.subscribe
      const seen = yield* Effect.fork(Stream.runCollect(Stream.take(events, 3)))
      const scope = yield* Scope.make()
      yield* Scope.extend(lifecycle.registerScoped({ domain: "task", key: "t", check: Effect.fail("no") }), scope)
      yield* lifecycle.checkNow
      expect(yield* lifecycle.counts).toEqual({ task: 1 })
      yield* Scope.close(scope, Exit.void)
      expect(yield* lifecycle.counts).toEqual({})
      const got = Chunk.toArray(yield* Fiber.join(seen))
      expect(got.map((e) => e.health?.state ?? "unregistered")).toEqual(["ready", "failed", "unregistered"])
    }).pipe(Effect.scoped, Effect.provide(Lifecycle.layer())))

  it.effect("a check that finishes after its component was unregistered changes nothing", () =>
    Effect.gen(function*() {
      const lifecycle = yield* Lifecycle
      const unregister = yield* lifecycle.register({ domain: "task", key: "late", check: Effect.as(Effect.sleep("50 millis"), "degraded" as const) })
      const run = yield* Effect.fork(lifecycle.checkNow)
      yield* unregister
      yield* lifecycle.register({ domain: "task", key: "late" })
      yield* TestClock.adjust("50 millis")
      yield* Fiber.join(run)
      expect(yield* healthOf("task", "late")).toMatchObject({ state: "ready", hasCheck: false })
    }).pipe(Effect.provide(Lifecycle.layer())))
})
