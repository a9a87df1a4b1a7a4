import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ActivityStore } from "../src/ActivityStore.js"
import { main } from "../scratchpad/embed.js"

it.effect("the embedding example gates its handler on the store's state", () =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const console = yield* Effect.console
    yield* main.pipe(
      Effect.withConsole({ ...console, log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.join(" "))) }),
      Effect.provide(ActivityStore.layerMemory)
    )
    expect(lines).toEqual([
      "reports.daily: ran",
      "refused: task/reports.daily is paused (rule reports.*: month-end freeze)",
      "reports.daily: ran",
      "history: resume reports.* by embed-example; pause reports.* by embed-example"
    ])
  }))
