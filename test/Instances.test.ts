import { describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Layer from "effect/Layer"
import { ActivityStore } from "../src/ActivityStore.js"
import * as path from "node:path"
import { ActivityKey } from "../src/Domain/ActivityKey.js"
import { drainedOf, fleetWait } from "../src/Domain/Fleet.js"
import { InflightCount, InstanceReport, isLive } from "../src/Domain/Instance.js"
import { runCli } from "./cliHarness.js"
import { tempDir } from "./helpers.js"
import { Instances, STALE_ROWS_KEPT_MS } from "../src/Instances.js"
import { Supervisor } from "../src/Supervisor.js"
import { WorkGate } from "../src/WorkGate.js"
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
        for (let i = 0; i < 1_000; i++) {
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

describe("the final report of an interrupted shutdown", () => {
  const key = (k: string) => ActivityKey.make(k)
  const count = (k: string, n: number) => new InflightCount({ domain: "task", key: key(k), count: n })

  it.effect("a SQLite store keeps it in the inflight column and reads it back; a stopped row is never live", () =>
    Effect.gen(function*() {
      const store = yield* ActivityStore
      const at = DateTime.unsafeMake(1_700_000_000_000)
      const final = new InstanceReport({
        id: "h:1:ab", pid: 1, host: "h", startedAt: at, heartbeatAt: at, heartbeatIntervalMs: 1_000, appliedSeq: 3,
        inflight: [], stoppedAt: at, interrupted: [count("reports.daily", 2)]
      })
      yield* store.publishInstance(final)
      yield* store.publishInstance(row("running", at))
      const [read, running] = yield* store.instances
      expect(read).toMatchObject({ id: "h:1:ab", interrupted: [{ key: "reports.daily", count: 2 }] })
      expect(read?.stoppedAt).toEqual(at)
      expect(running).toMatchObject({ id: "running", stoppedAt: null, interrupted: [] })
      expect(isLive(read!, at)).toBe(false)
      expect(isLive(running!, at)).toBe(true)
    }).pipe(Effect.provide(ActivityStore.layerSqlite({ filename: path.join(tempDir(), "store.sqlite") }))))

  it("drain --wait's view: only interruptions under the key (a wildcard covers), since the key began draining", () => {
    const at = (ms: number) => DateTime.unsafeMake(ms)
    const stopped = (id: string, stoppedAt: number, interrupted: ReadonlyArray<InflightCount>) =>
      new InstanceReport({ id, pid: 7, host: "h", startedAt: at(0), heartbeatAt: at(stoppedAt), heartbeatIntervalMs: 1_000, appliedSeq: 9, inflight: [], stoppedAt: at(stoppedAt), interrupted })
    const reports = [stopped("before", 1_000, [count("reports.daily", 5)]), stopped("after", 3_000, [count("reports.daily", 2), count("other", 1)])]
    const wait = (k: string, since: number | undefined) =>
      fleetWait(reports, { domain: "task", key: k, seq: 1, drain: true, drainingSince: since }, at(4_000), { waitedMs: 0, timeoutMs: 1_000 })
    expect(wait("reports.daily", 2_000).interrupted.map((i) => [i.id, i.count])).toEqual([["after", 2]])
    expect(wait("reports.*", 0).interrupted.map((i) => [i.id, i.count])).toEqual([["before", 5], ["after", 2]])
    expect(wait("reports.daily", 3_500).interrupted).toEqual([])
    expect(wait("reports.daily", undefined).interrupted).toEqual([])
    const w = wait("other", 0)
    expect(w).toMatchObject({ complete: true, live: 0 })
    expect(drainedOf(w)).toBe(false)
    expect(drainedOf(wait("other", 3_500))).toBe(true)
  })
})

describe("Instances at shutdown", () => {
  it.live("work interrupted after the shutdown began is in the final report; a clean stop removes the row", () => {
    const store = Layer.fresh(ActivityStore.layerMemory)
    return Effect.gen(function*() {
      const activity = yield* ActivityStore
      const supervisor = yield* Supervisor
      yield* supervisor.awaitReady
      const gate = yield* WorkGate
      // The process's layers (Instances) and its work (a scope closed first, as `run` closes the demo's).
      const processScope = yield* Scope.make()
      yield* Layer.buildWithScope(Instances.layer({ heartbeatMs: 50 }), processScope)
      const workScope = yield* Scope.make()
      yield* Effect.forkIn(gate.run("task", "export", Effect.never), workScope)
      yield* Effect.forkIn(gate.run("task", "export", Effect.never), workScope)
      for (let i = 0; i < 100 && gate.inflight("task", "export") < 2; i++) yield* Effect.yieldNow()
      yield* supervisor.beginShutdown
      yield* Scope.close(workScope, Exit.void)
      expect(gate.interruptedAtShutdown()).toMatchObject([{ domain: "task", key: "export", count: 2 }])
      yield* Scope.close(processScope, Exit.void)
      const [final] = yield* activity.instances
      expect(final).toMatchObject({ inflight: [], interrupted: [{ domain: "task", key: "export", count: 2 }] })
      expect(final?.stoppedAt).not.toBeNull()
    }).pipe(Effect.provide(memoryStack({}, store)))
  })
})

describe("activity --instances", () => {
  it.live("lists a final report as stopped, with what it interrupted", () =>
    Effect.gen(function*() {
      const cache = tempDir()
      const at = yield* DateTime.now
      yield* Effect.provide(
        Effect.flatMap(ActivityStore, (store) =>
          store.publishInstance(new InstanceReport({
            id: "web-1:4711:ab", pid: 4711, host: "web-1", startedAt: at, heartbeatAt: at, heartbeatIntervalMs: 1_000, appliedSeq: 1,
            inflight: [], stoppedAt: at, interrupted: [new InflightCount({ domain: "task", key: ActivityKey.make("export"), count: 2 })]
          }))),
        ActivityStore.layerSqlite({ filename: path.join(cache, "domain_activity.sqlite") })
      )
      const json = yield* runCli("--cache-dir", cache, "activity", "--instances", "--json")
      expect(JSON.parse(json.stdout)).toMatchObject({ live: 0, stale: 1, instances: [{ id: "web-1:4711:ab", live: false, stopped_at: expect.any(String), interrupted: [{ domain: "task", key: "export", count: 2 }] }] })
      const human = yield* runCli("--cache-dir", cache, "activity", "--instances")
      expect(human.stdout).toMatch(/web-1:4711:ab\s+web-1\s+4711\s+stopped\s+1\s+.+ ago\s+interrupted at shutdown: task\/export 2/)
    }))
})
