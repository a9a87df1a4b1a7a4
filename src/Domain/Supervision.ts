/**
 * The Supervisor's contract: its service interface, the deltas of the state it broadcasts, its own
 * status, and why work was refused.
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import { ActivityEntry } from "./Activity.js"
import type { EffectiveState } from "./Activity.js"
import type { StoreUnavailable } from "./Errors.js"
import type { TransitionRequest, TransitionResult } from "./Store.js"
import { ActivityKey } from "./ActivityKey.js"
import { SharedStoreOutage } from "./Config.js"
import { Domain } from "./Domain.js"
import { Millis, snake } from "./Fields.js"


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

/** What a subscriber to the supervisor's deltas asks for. */
export interface ChangeOptions {
  /** Only this domain's deltas. */
  readonly domain?: Domain | undefined
  /** First the current state (one `replay` delta per row), then the changes. */
  readonly replay?: boolean | undefined
}

/** The lifecycle of a supervisor: gates refuse everything while `starting` and `shutting-down`. */
export const SupervisorPhase = Schema.Literal("starting", "running", "shutting-down")
export type SupervisorPhase = typeof SupervisorPhase.Type

/**
 * The store file was swapped under the running process (a backup restored by rename, a file recreated
 * after a deletion, a damaged file restored): what was adopted, and what it changed. `same_store`:
 * the new file has the identity of the old one (a backup of it); otherwise every key the old state
 * refused and the new store would let through is `held` (still refused) until an operator acts.
 */
export class StoreReplaced extends Schema.Class<StoreReplaced>("StoreReplaced")({
  at: Schema.DateTimeUtc,
  reason: Schema.Literal("replaced", "restored"),
  previousId: snake(Schema.NullOr(Schema.String), "previous_id"),
  currentId: snake(Schema.NullOr(Schema.String), "current_id"),
  sameStore: snake(Schema.Boolean, "same_store"),
  pausedBefore: snake(Schema.Number, "paused_before"),
  drainingBefore: snake(Schema.Number, "draining_before"),
  pausedAfter: snake(Schema.Number, "paused_after"),
  drainingAfter: snake(Schema.Number, "draining_after"),
  /** Keys held (still refused) by this replacement. */
  held: Schema.Number
}) {}

/**
 * The supervisor's link to its store. While the store cannot be reached the last known state stays
 * enforced (`fail_static`): nothing is ever read as "everything resumed". For a store other hosts
 * share (PostgreSQL), readiness during an outage follows `outage_readiness` (the setting
 * `shared_store_outage`); for a local store the process is not ready.
 */
export class StoreLink extends Schema.Class<StoreLink>("StoreLink")({
  /** The store, as messages show it (a URL's password masked). */
  store: Schema.String,
  /** Other hosts use this store too. */
  shared: Schema.Boolean,
  /** Did the last look at the store succeed? */
  reachable: Schema.Boolean,
  /** The push connection (LISTEN) is up; null: the store has none and is polled. */
  listening: Schema.NullOr(Schema.Boolean),
  /** Unreachable with the state loaded: the last known state is what the gates enforce. */
  failStatic: snake(Schema.Boolean, "fail_static"),
  downSince: snake(Schema.NullOr(Schema.DateTimeUtc), "down_since"),
  /** The last time this process knew it was in step with the store, and how long that look took. */
  lastSyncAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_sync_at"),
  lastSyncMs: snake(Schema.NullOr(Schema.Number), "last_sync_ms"),
  lastError: snake(Schema.NullOr(Schema.String), "last_error"),
  /** How often the push connection was reopened after it was lost. */
  reconnects: Schema.Number,
  outageReadiness: snake(SharedStoreOutage, "outage_readiness"),
  // ---- absent from older snapshots ----
  /** The identity of the store followed (null: it has none, or the store kind has no identity). */
  storeId: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }).pipe(Schema.fromKey("store_id")),
  /** How often the store file was swapped under this process and adopted. */
  replacements: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  lastReplacement: Schema.optionalWith(Schema.NullOr(StoreReplaced), { default: () => null }).pipe(Schema.fromKey("last_replacement")),
  /** Keys still refused because the store that replaced this one would let them through (see `StoreReplaced`). */
  held: Schema.optionalWith(Schema.Number, { default: () => 0 })
}) {}

export class SupervisorStatus extends Schema.Class<SupervisorStatus>("SupervisorStatus")({
  enabled: Schema.Boolean,
  phase: SupervisorPhase,
  running: Schema.Boolean,
  healthy: Schema.Boolean,
  pollIntervalMs: snake(Schema.Number, "poll_interval_ms"),
  watching: Schema.Boolean,
  lastTickAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_tick_at"),
  /** How long the last tick took, in milliseconds. */
  lastTickMs: snake(Millis, "last_tick_ms"),
  ticks: Schema.Number,
  lastError: snake(Schema.NullOr(Schema.String), "last_error"),
  /** Milliseconds since the state was last known current (0 right after a good tick). */
  lagMs: snake(Schema.Number, "lag_ms"),
  appliedSeq: snake(Schema.Number, "applied_seq"),
  keys: Schema.Number,
  /** The link to the store (absent from snapshots of older versions; null while the supervisor is disabled). */
  store: Schema.optionalWith(Schema.NullOr(StoreLink), { default: () => null })
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

export interface SupervisorService {
  /** A synchronous in-memory lookup: may `(domain, key)` start new work now? */
  readonly shouldAcceptWork: (domain: Domain, key: string) => boolean
  /** `null` when the key accepts work, else why not (state, deciding rule, note). */
  readonly refusal: (domain: Domain, key: string) => WorkRejected | null
  readonly stateOf: (domain: Domain, key: string) => EffectiveState
  /** For running work: has its key been drained since it started? */
  readonly isDraining: (domain: Domain, key: string) => boolean
  /** Every stored row as this process knows it. */
  readonly snapshot: () => ReadonlyArray<ActivityEntry>
  /** The change-feed position applied so far. */
  readonly appliedSeq: () => number
  /** Calls `listener` each time the applied position advances; returns the unsubscribe. */
  readonly onApplied: (listener: (seq: number) => void) => () => void
  /**
   * Calls `listener` each time `status.healthy` flips (a store fault found or gone, a problem reported
   * or cleared), so the health snapshot is rewritten at once instead of at its next heartbeat.
   */
  readonly onHealthChanged: (listener: (healthy: boolean) => void) => () => void
  readonly status: Effect.Effect<SupervisorStatus>
  /** The deltas from when the stream starts running. */
  readonly changes: (options?: ChangeOptions) => Stream.Stream<ActivityDelta>
  /** Subscribes now (nothing published after this call is missed); the stream lives as long as the scope. */
  readonly subscribe: (options?: ChangeOptions) => Effect.Effect<Stream.Stream<ActivityDelta>, never, Scope.Scope>
  /** Write through the store; the change is in effect here before this returns. */
  readonly transition: (request: TransitionRequest) => Effect.Effect<TransitionResult, StoreUnavailable>
  /** Run one tick now (tests, and callers that know the store changed). */
  readonly refresh: Effect.Effect<void, StoreUnavailable>
  /**
   * Another part of the process reports a problem (a message) or its recovery (`null`) under
   * `source`; `status.healthy` is false while any is reported — unless `cause` is `"store"` (the
   * problem is the store being unreachable) and the store is shared under the `stay-ready` policy.
   */
  readonly reportHealth: (source: string, problem: string | null, cause?: "store") => Effect.Effect<void>
  /** Resolves once the whole state has been loaded. */
  readonly awaitReady: Effect.Effect<void>
  /** From now on every gate refuses with `shutting-down`. */
  readonly beginShutdown: Effect.Effect<void>
}
