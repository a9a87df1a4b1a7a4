/**
 * The health snapshot file's shape (`runtime_health.json`, DESIGN §6). Field names are snake_case like the
 * file: the original's twelve fields keep their names and meaning so the Python runtime still reads the
 * file; everything after them is this project's addition.
 */
import * as Schema from "effect/Schema"
import { ActivityState } from "./Activity.js"
import { ProfileName, SecretsStatus } from "./Config.js"
import { Millis, snake } from "./Fields.js"
import { SupervisorStatus } from "./Supervision.js"

/** A registered component's health: a failed or timed-out check is `failed`; no check at all is `ready`. */
export const ComponentState = Schema.Literal("ready", "degraded", "failed")
export type ComponentState = typeof ComponentState.Type

/** One component of the lifecycle registry, as its last check left it. */
export class ComponentHealth extends Schema.Class<ComponentHealth>("ComponentHealth")({
  state: ComponentState,
  hasCheck: snake(Schema.Boolean, "has_check"),
  timeoutMs: snake(Schema.Number, "timeout_ms"),
  registeredAt: snake(Schema.DateTimeUtc, "registered_at"),
  /** When the last check ended (null: never checked, or no check). */
  lastHealthAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_health_at"),
  lastError: snake(Schema.NullOr(Schema.String), "last_error"),
  lastDurationMs: snake(Schema.NullOr(Millis), "last_duration_ms")
}) {}

/** One stored row as this process enforces it; `drained` = draining with nothing in flight here. */
export class KeyActivity extends Schema.Class<KeyActivity>("KeyActivity")({
  state: ActivityState,
  paused: Schema.Boolean,
  draining: Schema.Boolean,
  note: Schema.NullOr(Schema.String),
  /** Work running in this process under the key (for a wildcard, under every key it covers). */
  inflight: Schema.Number,
  expiresAt: snake(Schema.NullOr(Schema.DateTimeUtc), "expires_at")
}) {}

/** The profile and the flags it resolved to (after settings and environment). */
export class ProfileFlags extends Schema.Class<ProfileFlags>("ProfileFlags")({
  name: ProfileName,
  supervisorEnabled: snake(Schema.Boolean, "supervisor_enabled"),
  watchersEnabled: snake(Schema.Boolean, "watchers_enabled"),
  remoteEnabled: snake(Schema.Boolean, "remote_enabled"),
  inlineManifestOnly: snake(Schema.Boolean, "inline_manifest_only")
}) {}

/** The process that wrote the snapshot. */
export class InstanceInfo extends Schema.Class<InstanceInfo>("InstanceInfo")({
  id: Schema.String,
  pid: Schema.Int,
  host: Schema.String,
  startedAt: snake(Schema.DateTimeUtc, "started_at")
}) {}

const byDomain = <S extends Schema.Schema.Any>(value: S) =>
  Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value }) })

export class RuntimeHealthSnapshot extends Schema.Class<RuntimeHealthSnapshot>("RuntimeHealthSnapshot")({
  // ---- the original's fields ----
  /** The store-change watcher (false at stop). */
  watchersRunning: snake(Schema.Boolean, "watchers_running"),
  /** A shared (PostgreSQL) store is configured. */
  remoteEnabled: snake(Schema.Boolean, "remote_enabled"),
  /**
   * Sync telemetry of a shared (PostgreSQL) store: when this process last knew it was in step with it,
   * and the last error (null with a local store).
   */
  lastRemoteSyncAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_remote_sync_at"),
  lastRemoteError: snake(Schema.NullOr(Schema.String), "last_remote_error"),
  /** The writing process; null in the snapshot written at stop. */
  orchestratorPid: snake(Schema.NullOr(Schema.Int), "orchestrator_pid"),
  updatedAt: snake(Schema.DateTimeUtc, "updated_at"),
  /**
   * With a shared store: the keys this process holds from it, in all and per domain, and how long the last
   * sync took. Otherwise the original's manifest counts under its names: the components registered, in all
   * and per domain.
   */
  lastRemoteRegistered: snake(Schema.NullOr(Schema.Int), "last_remote_registered"),
  lastRemotePerDomain: snake(Schema.Record({ key: Schema.String, value: Schema.Int }), "last_remote_per_domain"),
  lastRemoteSkipped: snake(Schema.NullOr(Schema.Int), "last_remote_skipped"),
  lastRemoteDurationMs: snake(Schema.NullOr(Millis), "last_remote_duration_ms"),
  activityState: snake(byDomain(KeyActivity), "activity_state"),
  /** Keys left out of `activity_state` (it lists at most 1,000, the most telling first); absent in older files. */
  activityOmitted: Schema.optionalWith(Schema.Int, { default: () => 0 }).pipe(Schema.fromKey("activity_omitted")),
  lifecycleState: snake(byDomain(ComponentHealth), "lifecycle_state"),
  // ---- additions ----
  supervisor: SupervisorStatus,
  profile: ProfileFlags,
  secrets: SecretsStatus,
  instance: InstanceInfo,
  /** How often the writer refreshes the file when nothing changes: a probe's default max age is 3 of these. */
  heartbeatIntervalMs: snake(Schema.Number, "heartbeat_interval_ms"),
  ready: Schema.Boolean,
  /** Why not ready, one human line each; empty when ready. */
  readyReasons: snake(Schema.Array(Schema.String), "ready_reasons")
}) {}
