/**
 * `drain --wait` shows it is alive: on a terminal a line redrawn several times a second with the
 * elapsed time against the deadline and the work in flight per instance; without one a line on every
 * change and at least every 5 s; at the deadline it says the key is still draining and how to resume.
 * The clock is the TestClock: the wait's polls and the display's timing follow it exactly.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as path from "node:path"
import { ActivityStore } from "../../src/ActivityStore.js"
import { makeProgress } from "../../src/Cli/DrainProgress.js"
import type { DrainObservation } from "../../src/Cli/DrainWait.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { InstanceDrain } from "../../src/Domain/Drain.js"
import { InflightCount, InstanceReport } from "../../src/Domain/Instance.js"
import { runCliOn } from "../cliHarness.js"
import { tempDir } from "../helpers.js"

const observation = (waitedMs: number, counts: ReadonlyArray<number>, acknowledged = true): DrainObservation => {
  const instances = counts.map((inflight, i) => new InstanceDrain({ id: `i-${i}`, pid: 100 + i, host: `host-${i}`, acknowledged, inflight }))
  return { view: { instances, total: counts.reduce((a, b) => a + b, 0), stale: [] }, unacknowledged: acknowledged ? 0 : counts.length, waitedMs, timeoutMs: 30_000 }
}

describe("the progress display", () => {
  it("terminal: redrawn every 200 ms even when nothing changes, at once on a change; fits the width; cleared at the end", () => {
    const progress = makeProgress("tty", "task/export", 200)
    const drawn = [0, 100, 200, 250, 400, 600].map((ms) => progress.render(observation(ms, ms < 250 ? [2, 1] : [1, 1])))
    expect(drawn.map((d) => d !== undefined)).toEqual([true, false, true, true, false, true])
    expect(drawn[0]).toBe("\r\u001b[Ktask/export: 3 in flight on 2 instance(s) [host-0 pid 100: 2, host-1 pid 101: 1] 0.0s of 30.0s")
    expect(drawn[5]).toContain("2 in flight on 2 instance(s) [host-0 pid 100: 1, host-1 pid 101: 1] 0.6s of 30.0s")
    expect(progress.finish()).toBe("\r\u001b[K")
    const narrow = makeProgress("tty", "task/export", 40).render(observation(0, [1]))!
    expect(narrow.replace("\r\u001b[K", "").length).toBeLessThan(40)
  })

  it("no terminal: a line on every change and at least every 5 s, never more often when nothing changes", () => {
    const progress = makeProgress("lines", "task/export", 80)
    const times = [0, 20, 1_000, 4_980, 5_000, 7_000, 7_020, 12_000]
    const counts = [2, 2, 2, 2, 2, 1, 1, 1]
    const lines = times.map((ms, i) => progress.render(observation(ms, [counts[i]!])))
    expect(lines.map((l) => l !== undefined)).toEqual([true, false, false, false, true, true, false, true])
    expect(lines[0]).toBe("task/export: 2 in flight on 1 instance(s) [host-0 pid 100: 2] 0.0s of 30.0s")
    expect(progress.finish()).toBeUndefined()
  })

  it("an instance that has not applied the drain yet is named as such; no live instance says so", () => {
    expect(makeProgress("lines", "task/x", 80).render(observation(0, [0], false))).toBe(
      "task/x: 0 in flight on 1 instance(s), 1 yet to apply the drain [host-0 pid 100: 0 (drain not applied yet)] 0.0s of 30.0s"
    )
    expect(makeProgress("lines", "task/x", 80).render(observation(0, []))).toBe("task/x: waiting, no live instance 0.0s of 30.0s")
  })
})

describe("oneiric drain --wait", () => {
  /** A live instance in the store with work in flight under task/export that never finishes. */
  const busyInstance = (filename: string) =>
    Effect.gen(function*() {
      const store = yield* ActivityStore
      const now = yield* DateTime.now
      yield* store.publishInstance(new InstanceReport({
        id: "worker-1",
        pid: 4242,
        host: "host-a",
        startedAt: now,
        heartbeatAt: now,
        heartbeatIntervalMs: 3_600_000,
        appliedSeq: 1_000_000,
        inflight: [new InflightCount({ domain: "task", key: ActivityKey.make("export"), count: 2 })]
      }))
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename })))

  const waitFor = (terminal: { readonly isTTY: boolean }, cache: string, seconds: number) =>
    Effect.gen(function*() {
      yield* busyInstance(path.join(cache, "domain_activity.sqlite"))
      const fiber = yield* Effect.fork(runCliOn({ ...terminal, columns: 200 }, "--cache-dir", cache, "drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "12s"))
      for (let step = 0; step < seconds * 10; step++) yield* TestClock.adjust("100 millis")
      return yield* Fiber.join(fiber)
    })

  it.effect("on a terminal: the line is redrawn several times a second with elapsed/deadline and per-instance counts", () =>
    Effect.gen(function*() {
      const cache = tempDir()
      const result = yield* waitFor({ isTTY: true }, cache, 13)
      const redraws = result.written.split("\r\u001b[K").filter((l) => l.length > 0)
      // 12 s at 5 redraws a second.
      expect(redraws.length).toBeGreaterThanOrEqual(55)
      expect(redraws[0]).toBe("task/export: 2 in flight on 1 instance(s) [host-a pid 4242: 2] 0.0s of 12.0s")
      expect(redraws).toContain("task/export: 2 in flight on 1 instance(s) [host-a pid 4242: 2] 1.0s of 12.0s")
      expect(result.written.endsWith("\r\u001b[K")).toBe(true)
      expect(result.code).toBe(4)
      expect(result.stdout).toContain("timed out after 12 s: 2 still in flight")
      expect(result.stdout).toContain("task/export is still draining: new work stays refused.")
      expect(result.stdout).toContain(`resume it:      oneiric resume --domain task --key export --cache-dir ${cache}`)
      expect(result.stdout).toContain(`or wait longer: oneiric drain --domain task --key export --cache-dir ${cache} --wait --timeout 24s`)
      expect(result.stderr).toBe(
        `oneiric: drain of task/export timed out after 12 s with 2 still in flight; task/export is still draining (resume it: oneiric resume --domain task --key export --cache-dir ${cache})`
      )
    }))

  it.effect("without a terminal: a line at the start and at least every 5 s, nothing written raw", () =>
    Effect.gen(function*() {
      const cache = tempDir()
      const result = yield* waitFor({ isTTY: false }, cache, 13)
      expect(result.written).toBe("")
      const progress = result.stdout.split("\n").filter((l) => l.startsWith("task/export: 2 in flight"))
      expect(progress).toEqual([
        "task/export: 2 in flight on 1 instance(s) [host-a pid 4242: 2] 0.0s of 12.0s",
        "task/export: 2 in flight on 1 instance(s) [host-a pid 4242: 2] 5.0s of 12.0s",
        "task/export: 2 in flight on 1 instance(s) [host-a pid 4242: 2] 10.0s of 12.0s"
      ])
      expect(result.code).toBe(4)
    }))

  it.effect("--json: no progress, one document", () =>
    Effect.gen(function*() {
      const cache = tempDir()
      yield* busyInstance(path.join(cache, "domain_activity.sqlite"))
      const fiber = yield* Effect.fork(runCliOn({ isTTY: true }, "--cache-dir", cache, "drain", "--domain", "task", "--key", "export", "--wait", "--timeout", "1s", "--json"))
      for (let step = 0; step < 15; step++) yield* TestClock.adjust("100 millis")
      const result = yield* Fiber.join(fiber)
      expect(result.written).toBe("")
      expect(JSON.parse(result.stdout)).toMatchObject({ wait: { drained: false, remaining: 2, timeout_ms: 1000 } })
      expect(result.code).toBe(4)
    }))
})
