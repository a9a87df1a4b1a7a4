/**
 * What the bridges report (DESIGN §4): per-handler event outcomes, per-node workflow outcomes and
 * the run as a whole, plus the bridges' own typed errors. A refusal is its own outcome, never a
 * failure, so callers cannot retry a paused key as if it had broken.
 */
import * as Schema from "effect/Schema"
import { Domain } from "./Domain.js"
import { RejectionState } from "./Supervision.js"
import type { WorkRejected } from "./Supervision.js"
import { snake } from "./Fields.js"


/** A `WorkRejected` as data: the bridges keep it in results, where an Error's stack has no place. */
export class Refusal extends Schema.Class<Refusal>("Refusal")({
  domain: Domain,
  key: Schema.String,
  state: RejectionState,
  rule: Schema.NullOr(Schema.String),
  note: Schema.NullOr(Schema.String)
}) {
  static fromRejected(rejected: WorkRejected): Refusal {
    return new Refusal({ domain: rejected.domain, key: rejected.key, state: rejected.state, rule: rejected.rule, note: rejected.note })
  }
}

// ---- Events -------------------------------------------------------------------------------------

export class HandlerDelivered extends Schema.Class<HandlerDelivered>("HandlerDelivered")({
  outcome: Schema.Literal("delivered"),
  topic: Schema.String,
  key: Schema.String,
  /** The handler's value (`undefined` when it returns nothing). */
  value: Schema.Unknown,
  /** Present only when the handler was deferred: how long it waited for its key to reopen. */
  deferredMs: Schema.optionalWith(Schema.Number, { exact: true }).pipe(Schema.fromKey("deferred_ms"))
}) {}

export class HandlerFailed extends Schema.Class<HandlerFailed>("HandlerFailed")({
  outcome: Schema.Literal("failed"),
  topic: Schema.String,
  key: Schema.String,
  message: Schema.String
}) {}

export class HandlerRejected extends Schema.Class<HandlerRejected>("HandlerRejected")({
  outcome: Schema.Literal("rejected"),
  topic: Schema.String,
  key: Schema.String,
  state: RejectionState,
  rule: Schema.NullOr(Schema.String),
  note: Schema.NullOr(Schema.String),
  /** A `defer` handler whose key did not reopen in time (always `false` under `drop`). */
  timedOut: snake(Schema.Boolean, "timed_out")
}) {}

export const HandlerResult = Schema.Union(HandlerDelivered, HandlerFailed, HandlerRejected)
export type HandlerResult = typeof HandlerResult.Type
export type HandlerOutcome = HandlerResult["outcome"]

// ---- Workflows ----------------------------------------------------------------------------------

export class NodeSucceeded extends Schema.Class<NodeSucceeded>("NodeSucceeded")({
  outcome: Schema.Literal("succeeded"),
  id: Schema.String,
  taskKey: snake(Schema.String, "task_key"),
  /** Time spent waiting for a paused task or workflow key before the node ran. */
  heldMs: snake(Schema.Number, "held_ms")
}) {}

export class NodeFailed extends Schema.Class<NodeFailed>("NodeFailed")({
  outcome: Schema.Literal("failed"),
  id: Schema.String,
  taskKey: snake(Schema.String, "task_key"),
  message: Schema.String,
  heldMs: snake(Schema.Number, "held_ms"),
  /** Set when the node never ran because a key refused it (`onPause: "fail"`, or held too long). */
  refusal: Schema.NullOr(Refusal)
}) {}

export class NodeSkipped extends Schema.Class<NodeSkipped>("NodeSkipped")({
  outcome: Schema.Literal("skipped"),
  id: Schema.String,
  taskKey: snake(Schema.String, "task_key"),
  /** The dependencies that did not succeed (empty when the run was stopped). */
  blockedBy: snake(Schema.Array(Schema.String), "blocked_by"),
  reason: Schema.String
}) {}

export const NodeResult = Schema.Union(NodeSucceeded, NodeFailed, NodeSkipped)
export type NodeResult = typeof NodeResult.Type

export const WorkflowStatus = Schema.Literal("succeeded", "failed", "rejected")
export type WorkflowStatus = typeof WorkflowStatus.Type

/** One run: `rejected` means the workflow key refused the start and no node ran. */
export class WorkflowRun extends Schema.Class<WorkflowRun>("WorkflowRun")({
  key: Schema.String,
  status: WorkflowStatus,
  /** In definition order. */
  nodes: Schema.Array(NodeResult),
  refusal: Schema.NullOr(Refusal)
}) {}

// ---- Errors -------------------------------------------------------------------------------------

/** A workflow definition that cannot run (unknown dependency, cycle, duplicate id, bad limits). */
export class InvalidWorkflow extends Schema.TaggedError<InvalidWorkflow>()("InvalidWorkflow", {
  key: Schema.String,
  message: Schema.String
}) {}

/** A handler registered twice for one topic under one key: its results could not be told apart. */
export class DuplicateHandler extends Schema.TaggedError<DuplicateHandler>()("DuplicateHandler", {
  topic: Schema.String,
  key: Schema.String
}) {
  override get message(): string {
    return `handler event/${this.key} is already registered for topic ${JSON.stringify(this.topic)}`
  }
}
