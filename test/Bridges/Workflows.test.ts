import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { start } from "../../src/Bridges/Workflows.js"
import type { WorkflowDefinition, WorkflowNode } from "../../src/Bridges/Workflows.js"
import type { RequestAction } from "../../src/Domain/Activity.js"
import { ActivityKey } from "../../src/Domain/ActivityKey.js"
import type { Domain } from "../../src/Domain/Domain.js"
import { Supervisor } from "../../src/Supervisor.js"
import { memoryStack } from "../layers.js"

const set = (action: RequestAction, domain: Domain, key: string) =>
  Effect.flatMap(Supervisor, (s) => s.transition({ domain, key: ActivityKey.make(key), action, actor: "test", source: "api" }))

const ready = Effect.flatMap(Supervisor, (s) => s.awaitReady)

/** Nodes that log `id+` / `id-` around a sleep of `ms`, and track how many run at once. */
const recorder = () => {
  const log: Array<string> = []
  let running = 0
  let peak = 0
  const node = (id: string, dependsOn: ReadonlyArray<string> = [], ms = 10, body: Effect.Effect<unknown, unknown> = Effect.void): WorkflowNode => ({
    id,
    taskKey: `t.${id}`,
    dependsOn,
    run: Effect.gen(function*() {
      log.push(`${id}+`)
      peak = Math.max(peak, ++running)
      yield* Effect.sleep(ms)
      running--
      log.push(`${id}-`)
      return yield* body
    })
  })
  return { log, node, peak: () => peak }
}

const workflow = (nodes: ReadonlyArray<WorkflowNode>, extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition => ({
  key: "orders",
  nodes,
  concurrency: 4,
  onPause: "hold",
  holdTimeoutMs: 10_000,
  ...extra
})

/** Start in a fiber and let the TestClock run it to the end. */
const runToEnd = (definition: WorkflowDefinition) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(start(definition))
    yield* TestClock.adjust("1 second")
    return yield* Fiber.join(fiber)
  })

describe("Workflows", () => {
  it.effect("a diamond runs in dependency order, B and C side by side under concurrency 2", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node, peak } = recorder()
      const run = yield* runToEnd(workflow([node("D", ["B", "C"]), node("B", ["A"], 20), node("C", ["A"], 10), node("A")], { concurrency: 2 }))
      expect(log).toEqual(["A+", "A-", "B+", "C+", "C-", "B-", "D+", "D-"])
      expect(peak()).toBe(2)
      expect(run.status).toBe("succeeded")
      expect(run.nodes.map((n) => `${n.id}:${n.outcome}`)).toEqual(["D:succeeded", "B:succeeded", "C:succeeded", "A:succeeded"])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("concurrency 1 never overlaps; concurrency 2 caps independent nodes at two", () =>
    Effect.gen(function*() {
      yield* ready
      const serial = recorder()
      yield* runToEnd(workflow([serial.node("A"), serial.node("B", ["A"]), serial.node("C", ["A"]), serial.node("D", ["B", "C"])], { concurrency: 1 }))
      expect(serial.peak()).toBe(1)
      expect(serial.log.slice(0, 2)).toEqual(["A+", "A-"])
      expect(serial.log.slice(-2)).toEqual(["D+", "D-"])
      const wide = recorder()
      const run = yield* runToEnd(workflow(["a", "b", "c", "d", "e"].map((id) => wide.node(id)), { concurrency: 2 }))
      expect(wide.peak()).toBe(2)
      expect(run.status).toBe("succeeded")
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a failing node skips its dependents; independent nodes still run", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      const run = yield* runToEnd(workflow([node("A", [], 10, Effect.fail(new Error("disk full"))), node("B", ["A"]), node("C", ["B"]), node("D")]))
      expect(run.status).toBe("failed")
      expect(run.nodes[0]).toMatchObject({ outcome: "failed", message: "disk full", refusal: null })
      expect(run.nodes[1]).toMatchObject({ outcome: "skipped", blockedBy: ["A"] })
      expect(run.nodes[2]).toMatchObject({ outcome: "skipped", blockedBy: ["B"] })
      expect(run.nodes[3]).toMatchObject({ outcome: "succeeded" })
      expect(log).not.toContain("B+")
    }).pipe(Effect.provide(memoryStack())))

  it.effect("invalid definitions fail with InvalidWorkflow and run nothing", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      const invalid = (definition: WorkflowDefinition) =>
        Effect.map(Effect.either(start(definition)), (r) => (Either.isLeft(r) ? `${r.left._tag}: ${r.left.message}` : "ran"))
      expect(yield* invalid(workflow([node("A"), node("A")]))).toBe(`InvalidWorkflow: duplicate node id "A"`)
      expect(yield* invalid(workflow([node("A", ["Z"])]))).toBe(`InvalidWorkflow: node "A" depends on unknown node "Z"`)
      expect(yield* invalid(workflow([node("A", ["C"]), node("B", ["A"]), node("C", ["B"])]))).toBe("InvalidWorkflow: cycle: A → C → B → A")
      expect(yield* invalid(workflow([node("A", ["A"])]))).toBe("InvalidWorkflow: cycle: A → A")
      expect(yield* invalid(workflow([node("A")], { concurrency: 0 }))).toMatch(/concurrency/)
      expect(log).toEqual([])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("the workflow key paused at start: rejected with the refusal, no node ran", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      yield* set("pause", "workflow", "orders")
      const run = yield* start(workflow([node("A"), node("B", ["A"])]))
      expect(run.status).toBe("rejected")
      expect(run.refusal).toMatchObject({ domain: "workflow", key: "orders", state: "paused", rule: "orders" })
      expect(run.nodes.map((n) => n.outcome)).toEqual(["skipped", "skipped"])
      expect(log).toEqual([])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("hold: a node whose task key is paused waits and runs after the resume", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      yield* set("pause", "task", "t.B")
      const fiber = yield* Effect.fork(start(workflow([node("A"), node("B", ["A"]), node("C", ["B"])])))
      yield* TestClock.adjust("300 millis")
      expect(log).toEqual(["A+", "A-"])
      yield* set("resume", "task", "t.B")
      yield* TestClock.adjust("1 second")
      const run = yield* Fiber.join(fiber)
      expect(run.status).toBe("succeeded")
      expect(run.nodes[1]).toMatchObject({ outcome: "succeeded", id: "B", heldMs: 290 })
      expect(run.nodes[2]).toMatchObject({ outcome: "succeeded", heldMs: 0 })
      expect(log).toEqual(["A+", "A-", "B+", "B-", "C+", "C-"])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("hold: still paused after holdTimeoutMs → the node fails as held too long, its dependents are skipped", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      yield* set("pause", "task", "t.B")
      const run = yield* runToEnd(workflow([node("A"), node("B", ["A"]), node("C", ["B"])], { holdTimeoutMs: 500 }))
      expect(run.status).toBe("failed")
      expect(run.nodes[1]).toMatchObject({ outcome: "failed", message: "held too long", heldMs: 500, refusal: { domain: "task", key: "t.B", state: "paused" } })
      expect(run.nodes[2]).toMatchObject({ outcome: "skipped", blockedBy: ["B"] })
      expect(log).toEqual(["A+", "A-"])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("fail: a paused task key fails the run at once and no further node starts", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      yield* set("drain", "task", "t.B")
      const run = yield* runToEnd(workflow([node("A"), node("B", ["A"]), node("C", [], 20), node("D", ["C"])], { onPause: "fail" }))
      expect(run.status).toBe("failed")
      expect(run.nodes[1]).toMatchObject({ outcome: "failed", heldMs: 0, refusal: { key: "t.B", state: "draining" } })
      expect(run.nodes[1]?.outcome === "failed" && run.nodes[1].message).toBe("task/t.B refused: draining")
      // C was already running when B was refused: it finishes, but D never starts.
      expect(run.nodes[2]).toMatchObject({ outcome: "succeeded" })
      expect(run.nodes[3]).toMatchObject({ outcome: "skipped", reason: "the run was stopped" })
      expect(log).toEqual(["A+", "C+", "A-", "C-"])
    }).pipe(Effect.provide(memoryStack())))

  it.effect("a pause of the workflow key between nodes holds the next node until the resume", () =>
    Effect.gen(function*() {
      yield* ready
      const { log, node } = recorder()
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const first: WorkflowNode = { id: "A", taskKey: "t.A", dependsOn: [], run: Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(release)) }
      const fiber = yield* Effect.fork(start(workflow([first, node("B", ["A"])])))
      yield* Deferred.await(started)
      yield* set("pause", "workflow", "orders")
      yield* Deferred.succeed(release, undefined)
      yield* TestClock.adjust("400 millis")
      expect(log).toEqual([])
      yield* set("resume", "workflow", "orders")
      yield* TestClock.adjust("1 second")
      const run = yield* Fiber.join(fiber)
      expect(run.status).toBe("succeeded")
      expect(run.nodes[0]).toMatchObject({ outcome: "succeeded", heldMs: 0 })
      expect(run.nodes[1]).toMatchObject({ outcome: "succeeded", heldMs: 400 })
      expect(log).toEqual(["B+", "B-"])
    }).pipe(Effect.provide(memoryStack())))
})
