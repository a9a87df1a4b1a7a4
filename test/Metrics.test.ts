import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { spawnSync } from "node:child_process"
import { Domains } from "../src/Domain/Domain.js"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import { Metrics } from "../src/Metrics.js"
import { Supervisor } from "../src/Supervisor.js"
import { WorkGate } from "../src/WorkGate.js"
import { memoryStack } from "./layers.js"

const render = Effect.flatMap(Metrics, (metrics) => metrics.render)
const withMetrics = <A, E>(body: Effect.Effect<A, E, Metrics | Supervisor | WorkGate>) =>
  Effect.provide(body, Metrics.layer.pipe(Layer.provideMerge(memoryStack())))

/** The value of one sample line, e.g. `oneiric_rejections_total{domain="task",state="paused"}`. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split("\n").find((l) => l.startsWith(series + " "))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const promtool = spawnSync("promtool", ["--version"]).status === 0

describe("Metrics", () => {
  it.live("every label combination is present from the start, at zero", () =>
    withMetrics(Effect.gen(function*() {
      yield* Effect.flatMap(Supervisor, (s) => s.awaitReady)
      const text = yield* render
      for (const domain of Domains) {
        for (const cause of ["local", "store", "expired"]) expect(sample(text, `oneiric_transitions_total{domain="${domain}",cause="${cause}"}`)).toBe(0)
        for (const state of ["paused", "draining", "starting", "shutting-down"]) {
          expect(sample(text, `oneiric_rejections_total{domain="${domain}",state="${state}"}`)).toBe(0)
        }
        for (const state of ["paused", "draining", "note-only"]) expect(sample(text, `oneiric_activity_keys{domain="${domain}",state="${state}"}`)).toBe(0)
        expect(sample(text, `oneiric_inflight{domain="${domain}"}`)).toBe(0)
        expect(sample(text, `oneiric_gated_work_duration_seconds_count{domain="${domain}"}`)).toBe(0)
      }
      expect(text).toMatch(/^oneiric_build_info\{version="\d+\.\d+\.\d+",node="v\d+[^"]*"\} 1$/m)
      for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_heap_bytes", "process_start_time_seconds"]) {
        expect(sample(text, name), name).toBeGreaterThan(0)
      }
      expect(text).toMatch(/^# TYPE oneiric_supervisor_tick_duration_seconds histogram$/m)
      expect(text).toMatch(/^# TYPE oneiric_propagation_lag_seconds histogram$/m)
    })))

  it.live("transitions, refusals, work in flight and gated work durations are counted as they happen", () =>
    withMetrics(Effect.gen(function*() {
      const supervisor = yield* Supervisor
      const gate = yield* WorkGate
      yield* supervisor.awaitReady
      const before = yield* render
      yield* supervisor.transition({ domain: "task", key: ActivityKey.make("reports"), action: "pause", actor: "ops", source: "api" })
      yield* Effect.either(gate.run("task", "reports", Effect.void))
      yield* Effect.either(gate.run("task", "reports", Effect.void))
      yield* gate.run("event", "mail", Effect.void)
      const text = yield* render
      expect(sample(text, `oneiric_transitions_total{domain="task",cause="local"}`)! - sample(before, `oneiric_transitions_total{domain="task",cause="local"}`)!).toBe(1)
      expect(sample(text, `oneiric_rejections_total{domain="task",state="paused"}`)! - sample(before, `oneiric_rejections_total{domain="task",state="paused"}`)!).toBe(2)
      expect(sample(text, `oneiric_activity_keys{domain="task",state="paused"}`)).toBe(1)
      expect(sample(text, `oneiric_gated_work_duration_seconds_count{domain="event"}`)! - sample(before, `oneiric_gated_work_duration_seconds_count{domain="event"}`)!).toBe(1)
      expect(sample(text, "oneiric_supervisor_healthy")).toBe(1)
    })))

  const promtoolClean = "the exposition is promtool-clean"
  it.live.skipIf(!promtool && !process.env.CI)(
    promtool ? promtoolClean : `${promtoolClean} — SKIPPED: promtool is not installed (apt-get install prometheus; .ci/run does)`,
    () =>
    withMetrics(Effect.gen(function*() {
      yield* Effect.flatMap(Supervisor, (s) => s.awaitReady)
      const checked = spawnSync("promtool", ["check", "metrics"], { input: yield* render, encoding: "utf8" })
      expect(checked.error).toBeUndefined()
      expect({ status: checked.status, output: checked.stdout + checked.stderr }).toEqual({ status: 0, output: "" })
    }))
  )
})
