import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { countByOutcome, makeEventDispatcher } from "../../src/Bridges/Events.js"
import type { HandlerPolicy } from "../../src/Bridges/Events.js"
import type { RequestAction } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { HandlerDelivered, HandlerFailed, HandlerRejected } from "../../src/Domain/Dispatch.js"
import { Supervisor } from "../../src/Supervisor.js"
import { WorkGate } from "../../src/WorkGate.js"
import { memoryStack } from "../layers.js"

type Topics = { readonly "order.created": { readonly id: number }; readonly "order.cancelled": string }

const set = (action: RequestAction, key: string, note?: string) =>
  Effect.flatMap(Supervisor, (s) =>
    s.transition({ domain: "event", key: ActivityKey.make(key), action, actor: "test", source: "api", ...(note === undefined ? {} : { note }) }))

/** A ready supervisor and a dispatcher whose handlers record the payloads they saw. */
const setup = Effect.gen(function*() {
  yield* (yield* Supervisor).awaitReady
  const dispatcher = yield* makeEventDispatcher<Topics>()
  const seen: Array<string> = []
  const handler = (key: string, policy: HandlerPolicy = "drop") =>
    dispatcher.register({
      topic: "order.created",
      key,
      policy,
      handle: (event) => Effect.sync(() => seen.push(`${key}:${event.id}`)).pipe(Effect.as(`${key} done`))
    })
  return { dispatcher, seen, handler }
})

describe("Events", () => {
  it.effect("one result per handler: delivered with its value, failed with its message, rejected with the refusal", () =>
    Effect.gen(function*() {
      const { dispatcher, handler, seen } = yield* setup
      yield* handler("mailer")
      yield* dispatcher.register({ topic: "order.created", key: "ledger", policy: "drop", handle: () => Effect.fail(new Error("ledger down")) })
      yield* handler("search")
      yield* set("pause", "search", "reindexing")
      const results = yield* dispatcher.dispatch("order.created", { id: 7 })
      expect(results).toEqual([
        new HandlerDelivered({ outcome: "delivered", topic: "order.created", key: "mailer", value: "mailer done" }),
        new HandlerFailed({ outcome: "failed", topic: "order.created", key: "ledger", message: "ledger down" }),
        new HandlerRejected({ outcome: "rejected", topic: "order.created", key: "search", state: "paused", rule: "search", note: "reindexing", timedOut: false })
      ])
      expect(seen).toEqual(["mailer:7"])
      expect(countByOutcome(results)).toEqual({ delivered: 1, failed: 1, rejected: 1 })
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a handler failing with WorkRejected itself is a failure, not a rejection", () =>
    Effect.gen(function*() {
      const { dispatcher } = yield* setup
      yield* set("pause", "inner")
      const gate = yield* WorkGate
      yield* dispatcher.register({ topic: "order.cancelled", key: "outer", policy: "drop", handle: () => gate.run("event", "inner", Effect.void) })
      const [result] = yield* dispatcher.dispatch("order.cancelled", "x")
      expect(result).toMatchObject({ outcome: "failed", key: "outer", message: "event/inner refused: paused" })
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a topic with no handlers gives no results; a duplicate key on a topic is refused", () =>
    Effect.gen(function*() {
      const { dispatcher, handler } = yield* setup
      expect(yield* dispatcher.dispatch("order.cancelled", "x")).toEqual([])
      yield* handler("mailer")
      const again = yield* Effect.either(handler("mailer"))
      expect(Either.isLeft(again) && again.left._tag).toBe("DuplicateHandler")
      expect(dispatcher.handlers("order.created")).toEqual(["mailer"])
      expect(yield* dispatcher.unregister("order.created", "mailer")).toBe(true)
      expect(yield* dispatcher.dispatch("order.created", { id: 1 })).toEqual([])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a wildcard pause of the event domain rejects every handler", () =>
    Effect.gen(function*() {
      const { dispatcher, handler, seen } = yield* setup
      yield* handler("mailer")
      yield* handler("search", { defer: { timeoutMs: 0 } })
      yield* set("pause", "*", "freeze")
      const results = yield* dispatcher.dispatch("order.created", { id: 1 })
      expect(results.map((r) => r.outcome)).toEqual(["rejected", "rejected"])
      expect(results[0]).toMatchObject({ rule: "*", note: "freeze", timedOut: false })
      expect(results[1]).toMatchObject({ rule: "*", timedOut: true })
      expect(seen).toEqual([])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("defer: the handler waits for its key and is delivered after the resume", () =>
    Effect.gen(function*() {
      const { dispatcher, handler, seen } = yield* setup
      yield* handler("mailer", { defer: { timeoutMs: 5_000 } })
      yield* handler("audit")
      yield* set("pause", "mailer")
      const fiber = yield* Effect.fork(dispatcher.dispatch("order.created", { id: 3 }))
      yield* TestClock.adjust("1200 millis")
      expect(seen).toEqual(["audit:3"])
      yield* set("resume", "mailer")
      const results = yield* Fiber.join(fiber)
      expect(results[0]).toEqual(
        new HandlerDelivered({ outcome: "delivered", topic: "order.created", key: "mailer", value: "mailer done", deferredMs: 1200 })
      )
      expect(results[1]).toMatchObject({ outcome: "delivered", key: "audit" })
      expect(results[1]).not.toHaveProperty("deferredMs")
      expect(seen).toEqual(["audit:3", "mailer:3"])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("defer: still paused at the timeout → rejected with timedOut, the handler never ran", () =>
    Effect.gen(function*() {
      const { dispatcher, handler, seen } = yield* setup
      yield* handler("mailer", { defer: { timeoutMs: 2_000 } })
      yield* set("drain", "mailer")
      const fiber = yield* Effect.fork(dispatcher.dispatch("order.created", { id: 4 }))
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const [result] = yield* Fiber.join(fiber)
      expect(result).toEqual(
        new HandlerRejected({ outcome: "rejected", topic: "order.created", key: "mailer", state: "draining", rule: "mailer", note: null, timedOut: true })
      )
      expect(seen).toEqual([])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("the handler's requirements are captured at registration", () =>
    Effect.gen(function*() {
      const { dispatcher } = yield* setup
      const register = dispatcher.register({ topic: "order.cancelled", key: "reason", policy: "drop", handle: (why) => Effect.map(WorkGate, () => why.length) })
      yield* register
      const [result] = yield* dispatcher.dispatch("order.cancelled", "fraud")
      expect(result).toMatchObject({ outcome: "delivered", value: 5 })
    }).pipe(Effect.provide(memoryStack())))
})
