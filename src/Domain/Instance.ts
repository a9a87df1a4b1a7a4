import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { ActivityKey } from "./ActivityKey.js"
import { Domain } from "./Domain.js"
import { snake } from "./Fields.js"


/** Work running in one process under one key. */
export class InflightCount extends Schema.Class<InflightCount>("InflightCount")({
  domain: Domain,
  key: ActivityKey,
  count: Schema.Number
}) {}

/**
 * What a running process publishes in the store (instances table) on each heartbeat, and at once
 * when a draining key reaches zero: who it is, how far it has followed the change feed, and its
 * non-zero in-flight counts. `drain --wait` reads these.
 */
export class InstanceReport extends Schema.Class<InstanceReport>("InstanceReport")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  startedAt: snake(Schema.DateTimeUtc, "started_at"),
  heartbeatAt: snake(Schema.DateTimeUtc, "heartbeat_at"),
  heartbeatIntervalMs: snake(Schema.Number, "heartbeat_interval_ms"),
  /** The change-feed sequence number this process has applied: a drain at or below it is enforced there. */
  appliedSeq: snake(Schema.Number, "applied_seq"),
  inflight: Schema.Array(InflightCount),
  /**
   * The final report of a process that stopped with work it had to interrupt (the shutdown budget spent):
   * when it stopped, null while it runs. A process that stops with nothing interrupted removes its row.
   */
  stoppedAt: Schema.optionalWith(Schema.NullOr(Schema.DateTimeUtc), { default: () => null }).pipe(Schema.fromKey("stopped_at")),
  /** In a final report: what was still running at shutdown and was interrupted, per key. */
  interrupted: Schema.optionalWith(Schema.Array(InflightCount), { default: () => [] })
}) {}

/** The instance row's `inflight` column while the process runs: its counts (the shape every version reads). */
export const InflightJson = Schema.parseJson(Schema.Array(InflightCount))

/**
 * The same column in a final report: the counts with when it stopped and what it interrupted. An older
 * version cannot read this shape and takes it as nothing in flight, which a stopped process has.
 */
export const FinalReportJson = Schema.parseJson(Schema.Struct({
  inflight: Schema.Array(InflightCount),
  stoppedAt: Schema.Number.pipe(Schema.propertySignature, Schema.fromKey("stopped_at")),
  interrupted: Schema.Array(InflightCount)
}))

/** An instance whose heartbeat is older than this many of its intervals is stale and ignored. */
export const STALE_AFTER_HEARTBEATS = 3

/** Is `report` still alive at `now`? Its own heartbeat interval decides; a final report is never live. */
export const isLive = (report: InstanceReport, now: DateTime.Utc): boolean =>
  report.stoppedAt === null &&
  DateTime.toEpochMillis(now) - DateTime.toEpochMillis(report.heartbeatAt) <= STALE_AFTER_HEARTBEATS * report.heartbeatIntervalMs
