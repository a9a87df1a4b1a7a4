/**
 * The JSON shapes the CLI prints with `--json` (stable; documented in docs/cli.md). Each is encoded
 * by its Schema, never hand-assembled.
 */
import * as Schema from "effect/Schema"
import { ActivityEntry, ActivityState, EffectiveState, RequestAction, Transition } from "./Activity.js"
import { ActivityKey } from "./ActivityKey.js"
import { Domain } from "./Domain.js"
import { FleetWait } from "./Fleet.js"
import { InflightCount } from "./Instance.js"
import { snake } from "./Fields.js"


/** One row as `activity` lists it; `inflight` sums the live instances' counts under the key. */
export class ActivityListing extends Schema.Class<ActivityListing>("ActivityListing")({
  key: ActivityKey,
  state: ActivityState,
  paused: Schema.Boolean,
  draining: Schema.Boolean,
  note: Schema.NullOr(Schema.String),
  updatedAt: snake(Schema.NullOr(Schema.DateTimeUtc), "updated_at"),
  updatedBy: snake(Schema.NullOr(Schema.String), "updated_by"),
  source: Schema.NullOr(Schema.String),
  expiresAt: snake(Schema.NullOr(Schema.DateTimeUtc), "expires_at"),
  inflight: Schema.Number
}) {}

/** `draining` counts draining and drained rows. */
export class StateCounts extends Schema.Class<StateCounts>("StateCounts")({
  paused: Schema.Number,
  draining: Schema.Number,
  noteOnly: snake(Schema.Number, "note_only")
}) {}

export class DomainActivity extends Schema.Class<DomainActivity>("DomainActivity")({
  counts: StateCounts,
  entries: Schema.Array(ActivityListing)
}) {}

/**
 * Is there a store at the configured path? Read commands never create one: without it the report is
 * empty and says so (`false`), rather than passing for "every key is accepting work".
 */
const storePresent = Schema.optionalWith(Schema.Boolean, { default: () => true }).pipe(Schema.fromKey("store_present"))

/** `oneiric activity --json` */
export class ActivityReport extends Schema.Class<ActivityReport>("ActivityReport")({
  store: Schema.String,
  storePresent,
  /** Only the domains that have rows, keyed by domain name. */
  domains: Schema.Record({ key: Schema.String, value: DomainActivity }),
  totals: Schema.Struct({
    paused: Schema.Number,
    draining: Schema.Number,
    noteOnly: snake(Schema.Number, "note_only"),
    entries: Schema.Number
  })
}) {}

/** `oneiric activity --history --json` */
export class HistoryReport extends Schema.Class<HistoryReport>("HistoryReport")({
  store: Schema.String,
  storePresent,
  history: Schema.Array(Transition)
}) {}

/** `oneiric pause|drain|resume --json` */
export class TransitionReport extends Schema.Class<TransitionReport>("TransitionReport")({
  action: RequestAction,
  domain: Domain,
  key: ActivityKey,
  dryRun: snake(Schema.Boolean, "dry_run"),
  /** Did the flags, the note or the expiry change? A transition that changes nothing writes nothing. */
  changed: Schema.Boolean,
  store: Schema.String,
  before: Schema.NullOr(ActivityEntry),
  after: Schema.NullOr(ActivityEntry),
  /** The key's effective state once the transition applies (wildcard rows included). */
  effective: EffectiveState,
  /** The stored keys this row governs: the key itself, or every stored key a wildcard covers. */
  affectedKeys: snake(Schema.Array(ActivityKey), "affected_keys"),
  transition: Schema.NullOr(Transition),
  expired: Schema.NullOr(Transition),
  /** The change-feed position of this transition (0 for a dry run): a process that has applied it enforces it. */
  seq: Schema.Number,
  /**
   * When the key had no row: stored keys of the domain it is a near miss of (`reprots.daily` →
   * `reports.daily`), nearest first. A typo during an incident should not pass silently.
   */
  didYouMean: Schema.optionalWith(Schema.Array(ActivityKey), { default: () => [] }).pipe(Schema.fromKey("did_you_mean"))
}) {}

/** One process sharing the store, as `activity --instances` lists it. */
export class InstanceListing extends Schema.Class<InstanceListing>("InstanceListing")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  startedAt: snake(Schema.DateTimeUtc, "started_at"),
  heartbeatAt: snake(Schema.DateTimeUtc, "heartbeat_at"),
  heartbeatAgeMs: snake(Schema.Number, "heartbeat_age_ms"),
  heartbeatIntervalMs: snake(Schema.Number, "heartbeat_interval_ms"),
  /** Heartbeat within 3 of its intervals; a stale instance is ignored by `--wait`. */
  live: Schema.Boolean,
  /** The change-feed position it has applied: every change at or below it is enforced there. */
  appliedSeq: snake(Schema.Number, "applied_seq"),
  /** Its non-zero in-flight counts, per key. */
  inflight: Schema.Array(InflightCount),
  inflightTotal: snake(Schema.Number, "inflight_total"),
  /** A final report: when it stopped (null while it runs) and what it interrupted at shutdown, per key. */
  stoppedAt: Schema.optionalWith(Schema.NullOr(Schema.DateTimeUtc), { default: () => null }).pipe(Schema.fromKey("stopped_at")),
  interrupted: Schema.optionalWith(Schema.Array(InflightCount), { default: () => [] })
}) {}

/** `oneiric activity --instances --json` */
export class InstancesReport extends Schema.Class<InstancesReport>("InstancesReport")({
  store: Schema.String,
  live: Schema.Number,
  stale: Schema.Number,
  instances: Schema.Array(InstanceListing)
}) {}

/** `oneiric pause|resume --wait --json`: the transition, then how the wait for the fleet ended. */
export class TransitionWaitReport extends Schema.Class<TransitionWaitReport>("TransitionWaitReport")({
  transition: TransitionReport,
  wait: FleetWait
}) {}

/** `oneiric migrate --json`: the store's schema version after the run, and what this run applied. */
export class MigrationReport extends Schema.Class<MigrationReport>("MigrationReport")({
  store: Schema.String,
  /** The PostgreSQL schema (null for SQLite). */
  schema: Schema.NullOr(Schema.String),
  version: Schema.Number,
  /** The migrations this run applied (`0001_activity_store`, …); empty when the store was up to date. */
  applied: Schema.Array(Schema.String)
}) {}

/** With `--json`, a failure is also printed on stdout as this object. */
export class ErrorReport extends Schema.Class<ErrorReport>("ErrorReport")({
  error: Schema.Struct({
    tag: Schema.String,
    message: Schema.String,
    exitCode: snake(Schema.Number, "exit_code")
  })
}) {}
