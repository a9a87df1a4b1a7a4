/**
 * `--wait` shows it is alive: on a terminal a line redrawn several times a second with the
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
import { makeProgress } from "../../src/Cli/WaitProgress.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import { FleetWait, InstanceAck } from "../../src/Domain/Fleet.js"
import type { FleetTarget } from "../../src/Domain/Fleet.js"
import { InflightCount, InstanceReport } from "../../src/Domain/Instance.js"
import { runCliOn } from "../cliHarness.js"
import { tempDir } from "../helpers.js"

const EXPORT: FleetTarget = { domain: "task", key: "export", seq: 7, drain: true }

/** One look at the fleet: an instance per count, each having applied the drain or not. */
const observation = (waitedMs: number, counts: ReadonlyArray<number>, acknowledged = true): FleetWait => {
  const instances = counts.map((inflight, i) =>
    new InstanceAck({ id: `i-${i}`, pid: 100 + i, host: `host-${i}`, acknowledged, appliedSeq: acknowledged ? 7 : 6, inflight, heartbeatAgeMs: 0 })
  )
  return new FleetWait({
    seq: 7,
    applied: acknowledged ? counts.length : 0,
    live: counts.length,
    complete: false,
    remaining: counts.reduce((a, b) => a + b, 0),
    waitedMs,
    timeoutMs: 30_000,
    instances,
    pending: instances.map((i) => i.id),
    stale: []
  })
}

describe("the progress display", () => {
  it("terminal: redrawn every 200 ms even when nothing changes, at once on a change; fits the width; cleared at the end", () => {
    const progress = makeProgress("tty", EXPORT, 200)
    const drawn = [0, 100, 200, 250, 400, 600].map((ms) => progress.render(observation(ms, ms < 250 ? [2, 1] : [1, 1])))
    expect(drawn.map((d) => d !== undefined)).toEqual([true, false, true, true, false, true])
    expect(drawn[0]).toBe("\r\u001b[Ktask/export: applied 2/2, 3 in flight [host-0 pid 100: 2 in flight, host-1 pid 101: 1 in flight] 0.0s of 30.0s")
    expect(drawn[5]).toContain("applied 2/2, 2 in flight [host-0 pid 100: 1 in flight, host-1 pid 101: 1 in flight] 0.6s of 30.0s")
    expect(progress.finish()).toBe("\r\u001b[K")
    const narrow = makeProgress("tty", EXPORT, 40).render(observation(0, [1]))!
    expect(narrow.replace("\r\u001b[K", "").length).toBeLessThan(40)
  })

  it("no terminal: a line on every change and at least every 5 s, never more often when nothing changes", () => {
    const progress = makeProgress("lines", EXPORT, 80)
    const times = [0, 20, 1_000, 4_980, 5_000, 7_000, 7_020, 12_000]
    const counts = [2, 2, 2, 2, 2, 1, 1, 1]
    const lines = times.map((ms, i) => progress.render(observation(ms, [counts[i]!])))
    expect(lines.map((l) => l !== undefined)).toEqual([true, false, false, false, true, true, false, true])
    expect(lines[0]).toBe("task/export: applied 1/1, 2 in flight [host-0 pid 100: 2 in flight] 0.0s of 30.0s")
    expect(progress.finish()).toBeUndefined()
  })

  it("an instance that has not applied the change yet is named as such; no live instance says so; a pause counts no work", () => {
    const x: FleetTarget = { domain: "task", key: "x", seq: 7, drain: true }
    expect(makeProgress("lines", x, 80).render(observation(0, [0], false))).toBe(
      "task/x: applied 0/1, 0 in flight [host-0 pid 100: not applied yet] 0.0s of 30.0s"
    )
    expect(makeProgress("lines", x, 80).render(observation(0, []))).toBe("task/x: waiting, no live instance 0.0s of 30.0s")
    expect(makeProgress("lines", { ...x, drain: false }, 80).render(observation(0, [0, 0]))).toBe(
      "task/x: applied 2/2 [host-0 pid 100: applied, host-1 pid 101: applied] 0.0s of 30.0s"
    )
  })
})

describe("oneiric drain --wait shows its progress", () => {
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
      expect(redraws[0]).toBe("task/export: applied 1/1, 2 in flight [host-a pid 4242: 2 in flight] 0.0s of 12.0s")
      expect(redraws).toContain("task/export: applied 1/1, 2 in flight [host-a pid 4242: 2 in flight] 1.0s of 12.0s")
      expect(result.written.endsWith("\r\u001b[K")).toBe(true)
      expect(result.code).toBe(4)
      expect(result.stdout).toContain("timed out after 12000 ms: applied 1/1, 2 in flight")
      expect(result.stdout).toContain("task/export is still draining: new work stays refused.")
      expect(result.stdout).toContain(`resume it:      oneiric resume --domain task --key export --cache-dir ${cache}`)
      expect(result.stdout).toContain(`or wait longer: oneiric drain --domain task --key export --cache-dir ${cache} --wait --timeout 24s`)
      expect(result.stderr).toBe(
        `oneiric: drain of task/export not drained by 1 of 1 live instance(s) within 12000 ms (2 still in flight): worker-1; task/export is still draining (resume it: oneiric resume --domain task --key export --cache-dir ${cache})`
      )
    }))

  it.effect("without a terminal: a line at the start and at least every 5 s, nothing written raw", () =>
    Effect.gen(function*() {
      const cache = tempDir()
      const result = yield* waitFor({ isTTY: false }, cache, 13)
      expect(result.written).toBe("")
      const progress = result.stdout.split("\n").filter((l) => l.startsWith("task/export: applied"))
      expect(progress).toEqual([
        "task/export: applied 1/1, 2 in flight [host-a pid 4242: 2 in flight] 0.0s of 12.0s",
        "task/export: applied 1/1, 2 in flight [host-a pid 4242: 2 in flight] 5.0s of 12.0s",
        "task/export: applied 1/1, 2 in flight [host-a pid 4242: 2 in flight] 10.0s of 12.0s"
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
