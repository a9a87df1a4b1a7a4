/** What the supervisor tells: deltas of the state, its own status, and why work was refused. */
import * as Schema from "effect/Schema"
import { ActivityEntry } from "./Activity.js"
import { ActivityKey } from "./ActivityKey.js"
import { Domain } from "./Domain.js"
import { snake } from "./Fields.js"


/**
 * One key's row changed (or was replayed for a new subscriber). `cause` says how the change
 * arrived: written through this process, read from the store's change feed (a reload after the
 * feed was pruned or the file replaced included), an expiry, or a replay of the current state.
 */
export class ActivityDelta extends Schema.Class<ActivityDelta>("ActivityDelta")({
  domain: Domain,
  key: ActivityKey,
  before: Schema.NullOr(ActivityEntry),
  after: Schema.NullOr(ActivityEntry),
  cause: Schema.Literal("local", "store", "expired", "replay")
}) {}

/** The lifecycle of a supervisor: gates refuse everything while `starting` and `shutting-down`. */
export const SupervisorPhase = Schema.Literal("starting", "running", "shutting-down")
export type SupervisorPhase = typeof SupervisorPhase.Type

export class SupervisorStatus extends Schema.Class<SupervisorStatus>("SupervisorStatus")({
  enabled: Schema.Boolean,
  phase: SupervisorPhase,
  running: Schema.Boolean,
  healthy: Schema.Boolean,
  pollIntervalMs: snake(Schema.Number, "poll_interval_ms"),
  watching: Schema.Boolean,
  lastTickAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_tick_at"),
  /** How long the last tick took, in milliseconds. */
  lastTickMs: snake(Schema.Number, "last_tick_ms"),
  ticks: Schema.Number,
  lastError: snake(Schema.NullOr(Schema.String), "last_error"),
  /** Milliseconds since the state was last known current (0 right after a good tick). */
  lagMs: snake(Schema.Number, "lag_ms"),
  appliedSeq: snake(Schema.Number, "applied_seq"),
  keys: Schema.Number
}) {}

/** Why `WorkGate.run` refused: the key's state and the rule that decided (`starting`/`shutting-down` have none). */
export const RejectionState = Schema.Literal("paused", "draining", "starting", "shutting-down")
export type RejectionState = typeof RejectionState.Type

export class WorkRejected extends Schema.TaggedError<WorkRejected>()("WorkRejected", {
  domain: Domain,
  key: Schema.String,
  state: RejectionState,
  rule: Schema.NullOr(Schema.String),
  note: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    const rule = this.rule === null || this.rule === this.key ? "" : ` by rule ${this.domain}/${this.rule}`
    return `${this.domain}/${this.key} refused: ${this.state}${rule}${this.note === null ? "" : ` (${this.note})`}`
  }
}
