/**
 * Workflows bridge (DESIGN §4): a DAG of nodes, each run under its task key, the whole under the
 * workflow key. The workflow key is checked at start (a refusal runs nothing) and again before
 * every node, so pausing a workflow stops it between nodes without cutting a node short.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { InvalidWorkflow, NodeFailed, NodeSkipped, NodeSucceeded, Refusal, WorkflowRun } from "../Domain/Dispatch.js"
import type { NodeResult } from "../Domain/Dispatch.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"
import { causeMessage } from "../Domain/Errors.js"
import { runWhenOpen } from "./Units.js"

export interface WorkflowNode<R = never> {
  readonly id: string
  /** The node's key in domain `task`. */
  readonly taskKey: string
  readonly dependsOn: ReadonlyArray<string>
  readonly run: Effect.Effect<unknown, unknown, R>
}

export interface WorkflowDefinition<R = never> {
  /** The workflow's key in domain `workflow`. */
  readonly key: string
  readonly nodes: ReadonlyArray<WorkflowNode<R>>
  /** At most this many nodes run at once (held nodes do not count). */
  readonly concurrency: number
  /** A node that meets a paused key: wait for resume (at most `holdTimeoutMs`), or fail the run. */
  readonly onPause: "hold" | "fail"
  readonly holdTimeoutMs: number
}

/** Check the definition without running anything: ids unique, dependencies known, no cycle, sane limits. */
export const validate = <R>(definition: WorkflowDefinition<R>): Effect.Effect<void, InvalidWorkflow> =>
  Effect.suspend(() => {
    const problem = findProblem(definition)
    return problem === null ? Effect.void : Effect.fail(new InvalidWorkflow({ key: definition.key, message: problem }))
  })

const findProblem = <R>({ concurrency, holdTimeoutMs, nodes }: WorkflowDefinition<R>): string | null => {
  if (!Number.isInteger(concurrency) || concurrency < 1) return `concurrency must be a whole number ≥ 1 (got ${concurrency})`
  if (!Number.isFinite(holdTimeoutMs) || holdTimeoutMs < 0) return `holdTimeoutMs must be ≥ 0 (got ${holdTimeoutMs})`
  const byId = new Map<string, WorkflowNode<R>>()
  for (const node of nodes) {
    if (byId.has(node.id)) return `duplicate node id ${JSON.stringify(node.id)}`
    byId.set(node.id, node)
  }
  for (const node of nodes) {
    const unknown = node.dependsOn.find((id) => !byId.has(id))
    if (unknown !== undefined) return `node ${JSON.stringify(node.id)} depends on unknown node ${JSON.stringify(unknown)}`
  }
  // Depth-first, keeping the path so the message can name the cycle.
  const done = new Set<string>()
  const path: Array<string> = []
  const visit = (id: string): string | null => {
    const at = path.indexOf(id)
    if (at !== -1) return `cycle: ${[...path.slice(at), id].join(" → ")}`
    if (done.has(id)) return null
    path.push(id)
    for (const dep of byId.get(id)!.dependsOn) {
      const cycle = visit(dep)
      if (cycle !== null) return cycle
    }
    path.pop()
    done.add(id)
    return null
  }
  for (const node of nodes) {
    const cycle = visit(node.id)
    if (cycle !== null) return cycle
  }
  return null
}

/**
 * Validate, then run: each node as soon as its dependencies succeeded, at most `concurrency` at
 * once. A failed node skips its dependents; the others go on. Under `onPause: "fail"` a refusal
 * fails its node and stops the run starting nodes (nodes already running finish: a pause never
 * interrupts work in flight).
 */
export const start = <R>(definition: WorkflowDefinition<R>): Effect.Effect<WorkflowRun, InvalidWorkflow, R | WorkGate | Supervisor> =>
  Effect.gen(function*() {
    yield* validate(definition)
    const gate = yield* WorkGate
    const supervisor = yield* Supervisor
    const { key, nodes, onPause } = definition

    const refused = supervisor.refusal("workflow", key)
    if (refused !== null) {
      const results = nodes.map((node) => skipped(node, [], "the workflow was refused at start"))
      return new WorkflowRun({ key, status: "rejected", nodes: results, refusal: Refusal.fromRejected(refused) })
    }

    const permits = yield* Effect.makeSemaphore(definition.concurrency)
    const finished = new Map<string, Deferred.Deferred<NodeResult>>()
    for (const node of nodes) finished.set(node.id, yield* Deferred.make<NodeResult>())
    let stopped = false

    const runNode = (node: WorkflowNode<R>) =>
      Effect.gen(function*() {
        const deps = yield* Effect.forEach(node.dependsOn, (id) => Deferred.await(finished.get(id)!))
        const blocked = deps.filter((r) => r.outcome !== "succeeded").map((r) => r.id)
        if (blocked.length > 0) return skipped(node, blocked, `dependency did not succeed: ${blocked.join(", ")}`)
        // Both gates inside one permit; the node's own exit is captured so its errors never read as a refusal.
        const attempt = permits.withPermits(1)(
          Effect.suspend(() =>
            stopped
              ? Effect.succeed(null)
              : gate.run("workflow", key, gate.run("task", node.taskKey, Effect.exit(node.run)))
          )
        )
        const gated = yield* runWhenOpen(attempt, onPause === "hold" ? definition.holdTimeoutMs : null)
        if (gated._tag === "Refused") {
          if (onPause === "fail") stopped = true
          const message = onPause === "hold" ? "held too long" : gated.refusal.message
          return new NodeFailed({
            outcome: "failed",
            id: node.id,
            taskKey: node.taskKey,
            message,
            heldMs: gated.waitedMs,
            refusal: Refusal.fromRejected(gated.refusal)
          })
        }
        const exit = gated.value
        if (exit === null) return skipped(node, [], "the run was stopped")
        if (Exit.isSuccess(exit)) return new NodeSucceeded({ outcome: "succeeded", id: node.id, taskKey: node.taskKey, heldMs: gated.waitedMs })
        return new NodeFailed({
          outcome: "failed",
          id: node.id,
          taskKey: node.taskKey,
          message: causeMessage(exit.cause),
          heldMs: gated.waitedMs,
          refusal: null
        })
      })

    const results = yield* Effect.forEach(
      nodes,
      (node) => Effect.tap(runNode(node), (result) => Deferred.succeed(finished.get(node.id)!, result)),
      { concurrency: "unbounded" }
    )
    const status = results.every((r) => r.outcome === "succeeded") ? "succeeded" : "failed"
    return new WorkflowRun({ key, status, nodes: results, refusal: null })
  })

const skipped = <R>(node: WorkflowNode<R>, blockedBy: ReadonlyArray<string>, reason: string) =>
  new NodeSkipped({ outcome: "skipped", id: node.id, taskKey: node.taskKey, blockedBy, reason })
