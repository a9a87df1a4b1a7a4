/** What an operator reads: logs without noise, JSON without float noise, a demo that logs a line a second. */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as FiberRefs from "effect/FiberRefs"
import * as HashMap from "effect/HashMap"
import * as Layer from "effect/Layer"
import * as List from "effect/List"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { DemoLive } from "../src/Demo.js"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import { SupervisorStatus } from "../src/Domain/Supervision.js"
import { Lifecycle } from "../src/Lifecycle.js"
import { operatorLogfmt } from "../src/MainLive.js"
import { Supervisor } from "../src/Supervisor.js"
import { memoryStack } from "./layers.js"

const logLine = (message: unknown, annotations: Record<string, unknown>) =>
  operatorLogfmt.log({
    fiberId: FiberId.make(12, 0),
    logLevel: LogLevel.Info,
    message,
    cause: Cause.empty,
    context: FiberRefs.unsafeMake(new Map()),
    spans: List.empty(),
    annotations: HashMap.fromIterable(Object.entries(annotations)),
    date: new Date("2026-12-01T10:00:00.000Z")
  })

describe("logs", () => {
  it("logfmt without fiber ids and without absent values; numbers rounded", () => {
    expect(logLine("demo: refused", { unit: "task/demo.report", state: "paused", rule: null, note: undefined, took: 1.715051000006497 })).toBe(
      "timestamp=2026-12-01T10:00:00.000Z level=INFO message=\"demo: refused\" unit=task/demo.report state=paused took=1.715"
    )
  })
})

describe("JSON", () => {
  it("last_tick_ms is rounded to the microsecond when encoded", () => {
    const status = new SupervisorStatus({
      enabled: true, phase: "running", running: true, healthy: true, pollIntervalMs: 1000, watching: true, lastTickAt: null,
      lastTickMs: 1.715051000006497, ticks: 3, lastError: null, lagMs: 0, appliedSeq: 0, keys: 0
    })
    expect(Schema.encodeSync(SupervisorStatus)(status)).toMatchObject({ last_tick_ms: 1.715 })
  })
})

describe("the demo", () => {
  it.effect("logs one summary line a second (what ran, what was refused and by which rule), the details at debug", () =>
    Effect.gen(function*() {
      const lines: Array<{ readonly level: string; readonly message: string }> = []
      const capture = Logger.make(({ logLevel, message }) => void lines.push({ level: logLevel.label, message: String(Array.isArray(message) ? message[0] : message) }))
      yield* Effect.gen(function*() {
        const supervisor = yield* Supervisor
        yield* supervisor.awaitReady
        yield* supervisor.transition({ domain: "task", key: ActivityKey.make("demo.*"), action: "pause", actor: "ops", source: "api" })
        yield* Layer.build(DemoLive)
        for (let step = 0; step < 45; step++) yield* TestClock.adjust("100 millis")
      }).pipe(
        Effect.scoped,
        Effect.provide(Lifecycle.layer().pipe(Layer.provideMerge(memoryStack()))),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      const summaries = lines.filter((l) => l.level === "INFO" && /^demo: \d+ ran/.test(l.message))
      expect(summaries).toHaveLength(4)
      expect(summaries[1]!.message).toMatch(/^demo: \d+ ran, \d+ refused: .*task\/demo\.report \(paused by task\/demo\.\*\)/)
      expect(lines.filter((l) => l.level === "INFO" && l.message.startsWith("demo:")).length).toBe(5)
      expect(lines.filter((l) => l.level === "DEBUG" && l.message.startsWith("demo:")).length).toBeGreaterThan(10)
    }))
})
