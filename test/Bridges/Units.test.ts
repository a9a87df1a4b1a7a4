import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { awaitAccepting, use, withUnit } from "../../src/Bridges/Units.js"
import type { RequestAction } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { Domain } from "../../src/Domain/Domain.js"
import { Supervisor } from "../../src/Supervisor.js"
import { WorkGate } from "../../src/WorkGate.js"
import { memoryStack } from "../layers.js"

const set = (action: RequestAction, domain: Domain, key: string) =>
  Effect.flatMap(Supervisor, (s) => s.transition({ domain, key: ActivityKey.make(key), action, actor: "test", source: "api" }))

const ready = Effect.flatMap(Supervisor, (s) => s.awaitReady)

describe("Units", () => {
  it.effect("use runs the effect counted in flight, and the count drops after", () =>
    Effect.gen(function*() {
      yield* ready
      const gate = yield* WorkGate
      const seen = yield* use("adapter", "smtp", Effect.sync(() => gate.inflight("adapter", "smtp")))
      expect(seen).toBe(1)
      expect(gate.inflight("adapter", "smtp")).toBe(0)
      expect(yield* Effect.succeed("ok").pipe(withUnit("service", "api"))).toBe("ok")
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a paused or draining unit refuses with WorkRejected and the effect does not run", () =>
    Effect.gen(function*() {
      yield* ready
      let ran = 0
      const work = Effect.sync(() => ++ran)
      yield* set("pause", "task", "reindex")
      const paused = yield* Effect.either(use("task", "reindex", work))
      expect(Either.isLeft(paused) && paused.left).toMatchObject({ _tag: "WorkRejected", domain: "task", key: "reindex", state: "paused" })
      yield* set("drain", "service", "api.*")
      const drained = yield* Effect.either(work.pipe(withUnit("service", "api.v1")))
      expect(Either.isLeft(drained) && drained.left).toMatchObject({ state: "draining", rule: "api.*" })
      expect(ran).toBe(0)
      yield* set("resume", "task", "reindex")
      expect(yield* use("task", "reindex", work)).toBe(1)
    }).pipe(Effect.provide(memoryStack())))

  it.effect("the unit's own failure passes through untouched", () =>
    Effect.gen(function*() {
      yield* ready
      const result = yield* Effect.either(use("adapter", "db", Effect.fail("boom" as const)))
      expect(result).toEqual(Either.left("boom"))
      expect((yield* WorkGate).inflight("adapter", "db")).toBe(0)
    }).pipe(Effect.provide(memoryStack())))

  it.effect("awaitAccepting follows the deltas: true on resume, false at the timeout", () =>
    Effect.gen(function*() {
      yield* ready
      yield* set("pause", "task", "t")
      const resumed = yield* Effect.fork(awaitAccepting("task", "t", 1_000))
      yield* TestClock.adjust("100 millis")
      yield* set("resume", "task", "t")
      expect(yield* Fiber.join(resumed)).toBe(true)
      yield* set("pause", "task", "*")
      const timedOut = yield* Effect.fork(awaitAccepting("task", "t", 500))
      yield* TestClock.adjust("499 millis")
      expect(timedOut.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(timedOut)).toBe(false)
    }).pipe(Effect.provide(memoryStack())))
})
