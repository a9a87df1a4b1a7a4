import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityStore } from "../src/ActivityStore.js"
import { InstanceReport } from "../src/Domain/Instance.js"
import { Instances, STALE_ROWS_KEPT_MS } from "../src/Instances.js"
import { memoryStack } from "./layers.js"

const row = (id: string, heartbeatAt: DateTime.Utc) =>
  new InstanceReport({ id, pid: 1, host: "gone", startedAt: heartbeatAt, heartbeatAt, heartbeatIntervalMs: 1_000, appliedSeq: 0, inflight: [] })

describe("Instances", () => {
  it.live("publishes this process; removes the rows of processes gone for longer than an hour, keeps recent stale ones", () => {
    const store = Layer.fresh(ActivityStore.layerMemory)
    return Effect.gen(function*() {
      const activity = yield* ActivityStore
      const now = yield* DateTime.now
      yield* activity.publishInstance(row("long-gone", DateTime.subtract(now, { millis: STALE_ROWS_KEPT_MS + 60_000 })))
      yield* activity.publishInstance(row("recently-gone", DateTime.subtract(now, { minutes: 5 })))
      const ids = yield* Effect.scoped(Effect.gen(function*() {
        const id = Context.get(yield* Layer.build(Instances.layer({ heartbeatMs: 50 })), Instances)
        // The heartbeat and the one-off prune run in the background.
        for (let i = 0; i < 100; i++) {
          const ids = (yield* activity.instances).map((r) => r.id)
          if (!ids.includes("long-gone") && ids.includes(id.id)) return ids
          yield* Effect.sleep("10 millis")
        }
        return (yield* activity.instances).map((r) => r.id)
      }))
      expect(ids).toContain("recently-gone")
      expect(ids).not.toContain("long-gone")
      expect(ids).toHaveLength(2)
      // Gone with the layer: this process removes its own row.
      expect((yield* activity.instances).map((r) => r.id)).toEqual(["recently-gone"])
    }).pipe(Effect.provide(memoryStack({}, store)))
  })
})
