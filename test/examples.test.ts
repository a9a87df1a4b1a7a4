import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { AppLive, main } from "../examples/embed.js"

it.effect("the embedding example gates its handlers and uses its own store Layer", () =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const console = yield* Effect.console
    yield* main.pipe(
      Effect.withConsole({ ...console, log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => void lines.push(args.join(" "))) }),
      Effect.provide(AppLive)
    )
    expect(lines.filter((l) => !l.startsWith("email") && !l.startsWith("invoice"))).toEqual([
      "reports.daily: ran",
      "audit: pause task/reports.* by embed-example (seq 1)",
      "refused: task/reports.daily refused: paused by rule task/reports.* (month-end freeze)",
      "audit: resume task/reports.* by embed-example (seq 2)",
      "reports.daily: ran",
      "audit: pause event/orders.invoice by embed-example (seq 3)",
      "dispatch: {\"delivered\":1,\"failed\":0,\"rejected\":1}",
      "in flight now: 0"
    ])
    expect(lines).toContain("email for A-1")
    expect(lines).not.toContain("invoice for A-1")
  }))
