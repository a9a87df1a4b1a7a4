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
  inflight: Schema.Array(InflightCount)
}) {}

export const InflightJson = Schema.parseJson(Schema.Array(InflightCount))

/** An instance whose heartbeat is older than this many of its intervals is stale and ignored. */
export const STALE_AFTER_HEARTBEATS = 3

/** Is `report` still alive at `now`? Its own heartbeat interval decides. */
export const isLive = (report: InstanceReport, now: DateTime.Utc): boolean =>
  DateTime.toEpochMillis(now) - DateTime.toEpochMillis(report.heartbeatAt) <= STALE_AFTER_HEARTBEATS * report.heartbeatIntervalMs
