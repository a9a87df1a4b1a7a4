/**
 * The console's feed: a burst of row changes becomes a fresh snapshot; a connection that fell
 * behind the hub ends (the page then reconnects and resyncs) instead of missing changes silently.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { ActivityDelta } from "../../src/Domain/Supervision.js"
import { makeFeed } from "../../src/Http/Feed.js"
import type { ConsoleMessage } from "../../src/Http/Feed.js"
import { Supervisor } from "../../src/Supervisor.js"
import { quiet, serverLayer } from "./harness.js"

/** The feed over a supervisor whose deltas the test publishes itself. */
const feedWithDeltas = Effect.gen(function*() {
  const context = yield* Layer.build(serverLayer())
  const deltas = yield* PubSub.unbounded<ActivityDelta>()
  const supervisor = Context.get(context, Supervisor)
  const feed = yield* makeFeed.pipe(
    Effect.provide(Context.add(context, Supervisor, { ...supervisor, subscribe: () => Effect.map(PubSub.subscribe(deltas), (queue) => Stream.fromQueue(queue)) }))
  )
  const delta = (i: number) => new ActivityDelta({ domain: "task", key: ActivityKey.make(`k${i}`), before: null, after: null, cause: "store" })
  return { feed, deltas, delta }
})

/** Enough turns of the scheduler for the hub to take what was published. */
const settle = Effect.repeatN(Effect.yieldNow(), 50)

describe("console feed", () => {
  it.live("single changes arrive as rows; a burst of changes as a fresh snapshot", () =>
    Effect.scoped(Effect.gen(function*() {
      const { feed, deltas, delta } = yield* feedWithDeltas
      const stream = yield* feed.connect
      // Until the second snapshot: the burst's.
      const received = yield* Effect.fork(Stream.runCollect(stream.pipe(
        Stream.filter((m) => m._tag === "rows" || m._tag === "snapshot"),
        Stream.zipWithIndex,
        Stream.takeUntil(([m, i]) => i > 0 && m._tag === "snapshot"),
        Stream.map(([m]) => m)
      )))
      yield* settle
      yield* deltas.publish(delta(1))
      yield* settle
      // Published in one go: the hub takes them as one chunk.
      yield* deltas.publishAll(Array.from({ length: 600 }, (_, i) => delta(100 + i)))
      const messages = Chunk.toReadonlyArray(yield* Fiber.join(received).pipe(Effect.timeout("5 seconds")))
      expect(messages[0]?._tag).toBe("snapshot")
      expect(messages[1]).toMatchObject({ _tag: "rows", body: { changes: [expect.objectContaining({ key: "k1" })] } })
      expect(messages.at(-1)?._tag).toBe("snapshot")
      // The hub may take the first of the burst on its own; the rest comes as the snapshot.
      expect(messages.reduce((n, m) => n + (m._tag === "rows" ? m.body.changes.length : 0), 0)).toBeLessThan(10)
      expect(messages.map((m) => m.id)).toEqual([...messages.map((m) => m.id)].sort((a, b) => a - b))
    }).pipe(quiet)))

  it.live("a connection that fell behind the hub ends instead of skipping changes", () =>
    Effect.scoped(Effect.gen(function*() {
      const { feed, deltas, delta } = yield* feedWithDeltas
      const keptUp = yield* feed.connect
      const behind = yield* feed.connect
      // `keptUp` reads as changes come; `behind` reads nothing until 1,100 have been published one by one.
      const changes = (m: ConsoleMessage) => (m._tag === "rows" ? m.body.changes.length : 0)
      const reading = yield* Effect.fork(keptUp.pipe(Stream.scan(0, (n, m) => n + changes(m)), Stream.takeUntil((n) => n >= 1_100), Stream.runLast))
      for (let i = 0; i < 1_100; i++) {
        yield* deltas.publish(delta(i))
        yield* settle
      }
      expect(yield* Fiber.join(reading)).toEqual(Option.some(1_100))
      const late = yield* Stream.runCollect(behind).pipe(Effect.timeoutOption("5 seconds"))
      expect(Option.isSome(late)).toBe(true)
      const messages = Chunk.toReadonlyArray(Option.getOrThrow(late))
      expect(messages[0]?._tag).toBe("snapshot")
      expect(messages.reduce((n, m) => n + changes(m), 0)).toBeLessThan(1_100)
    }).pipe(quiet)), 60_000)
})
