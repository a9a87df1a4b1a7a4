/**
 * The health snapshot (`runtime_health.json`, DESIGN §6) and what `oneiric health` reports. Field names are
 * snake_case like the file: the original's twelve fields keep their names and meaning so the Python runtime still
 * reads the file; everything after them is this project's addition.
 */
import * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ActivityState, stateOfFlags } from "./Activity.js"
import { ProfileName, SecretsStatus } from "./Config.js"
import { Domain } from "./Domain.js"
import { errorMessage } from "./Errors.js"
import { SupervisorStatus } from "./Supervision.js"
import { Millis, snake } from "./Fields.js"

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
  /** Sync telemetry of the shared store: null until a PostgreSQL store exists. */
  lastRemoteSyncAt: snake(Schema.NullOr(Schema.DateTimeUtc), "last_remote_sync_at"),
  lastRemoteError: snake(Schema.NullOr(Schema.String), "last_remote_error"),
  /** The writing process; null in the snapshot written at stop. */
  orchestratorPid: snake(Schema.NullOr(Schema.Int), "orchestrator_pid"),
  updatedAt: snake(Schema.DateTimeUtc, "updated_at"),
  /** The original's manifest-count names: the components registered in all (here) and per domain. */
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

/** Who wrote a snapshot: this project, or the Python original (its twelve fields only). */
export const SnapshotFormat = Schema.Literal("oneiric", "legacy")
export type SnapshotFormat = typeof SnapshotFormat.Type

/** `oneiric health [--probe] --json`: the verdict on a snapshot file (and the snapshot, when it could be read). */
export class HealthReport extends Schema.Class<HealthReport>("HealthReport")({
  path: Schema.String,
  /**
   * `legacy`: written by the Python original. `snapshot` is then derived from its twelve fields: what
   * they do not say (supervisor, profile, secrets, instance, in-flight counts) holds neutral defaults,
   * and the verdict rests on what they do say (the process, its components, and the age with --max-age).
   */
  format: Schema.optionalWith(SnapshotFormat, { default: () => "oneiric" }),
  ready: Schema.Boolean,
  reasons: Schema.Array(Schema.String),
  checkedAt: snake(Schema.DateTimeUtc, "checked_at"),
  /** Milliseconds since `updated_at` (null without a snapshot). */
  ageMs: snake(Schema.NullOr(Schema.Number), "age_ms"),
  /** The oldest acceptable snapshot; null when age is not judged (a legacy snapshot without --max-age: the original writes only on changes). */
  maxAgeMs: snake(Schema.NullOr(Schema.Number), "max_age_ms"),
  /** Is `orchestrator_pid` alive? null when it cannot be told (another host, no pid, no snapshot). */
  pidAlive: snake(Schema.NullOr(Schema.Boolean), "pid_alive"),
  snapshot: Schema.NullOr(RuntimeHealthSnapshot)
}) {}

/** `health --probe` found the process not ready; the message lists the reasons. */
export class NotReady extends Schema.TaggedError<NotReady>()("NotReady", {
  message: Schema.String,
  reasons: Schema.Array(Schema.String)
}) {}

/** The snapshot could not be written (the previous file, if any, is left intact). */
export class HealthWriteFailed extends Schema.TaggedError<HealthWriteFailed>()("HealthWriteFailed", {
  path: Schema.String,
  message: Schema.String
}) {}

/** A component registered twice under one `(domain, key)`: their health could not be told apart. */
export class DuplicateComponent extends Schema.TaggedError<DuplicateComponent>()("DuplicateComponent", {
  domain: Domain,
  key: Schema.String
}) {
  override get message(): string {
    return `component ${this.domain}/${this.key} is already registered`
  }
}

// ---- the file ----------------------------------------------------------------------------------

/** A snapshot read back, tolerantly: a missing, empty, truncated or foreign file is a reason, never a crash. */
export type SnapshotRead =
  | { readonly _tag: "Found"; readonly snapshot: RuntimeHealthSnapshot; readonly format?: SnapshotFormat }
  | { readonly _tag: "Missing"; readonly reason: string }
  | { readonly _tag: "Corrupt"; readonly reason: string }

const encode = Schema.encodeSync(RuntimeHealthSnapshot)
const decode = Schema.decodeUnknownEither(RuntimeHealthSnapshot)

/** The file's text: the Schema-encoded snapshot, pretty-printed (operators `cat` it). */
export const snapshotJson = (snapshot: RuntimeHealthSnapshot): string => JSON.stringify(encode(snapshot), null, 2) + "\n"

/** Decode a file's text; every failure is a reason naming `location`. */
export const parseSnapshot = (location: string, text: string): SnapshotRead => {
  if (text.trim().length === 0) return { _tag: "Corrupt", reason: `health snapshot at ${location} is empty` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not valid JSON: ${errorMessage(error)}` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: expected a JSON object` }
  }
  if (isLegacyShape(json)) return parseLegacy(location, json)
  const decoded = decode(json)
  if (decoded._tag === "Right") return { _tag: "Found", snapshot: decoded.right }
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `
  return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: ${where}${first?.message ?? "unexpected shape"}` }
}

// ---- a snapshot written by the Python original -----------------------------------------------------

/** None of this project's additions, and the original's own fields: a file the original wrote. */
const isLegacyShape = (json: object): boolean =>
  !("supervisor" in json) && !("instance" in json) && !("ready" in json) && ("updated_at" in json || "activity_state" in json)

const nullable = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

const LegacyFlags = Schema.Struct({
  paused: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  draining: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  note: nullable(Schema.String)
})

/** The original's `LifecycleStatus.as_dict()`: only what a verdict can use. */
const LegacyComponent = Schema.Struct({
  state: Schema.optionalWith(Schema.String, { default: () => "unknown" }),
  last_error: nullable(Schema.String),
  last_health_at: nullable(Schema.String),
  last_state_change_at: nullable(Schema.String)
})

/** The original's twelve fields, every one optional and nullable as its writer allows. */
const LegacySnapshot = Schema.Struct({
  watchers_running: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  remote_enabled: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  last_remote_sync_at: nullable(Schema.String),
  last_remote_error: nullable(Schema.String),
  orchestrator_pid: nullable(Schema.Int),
  updated_at: nullable(Schema.String),
  last_remote_registered: nullable(Schema.Int),
  last_remote_per_domain: nullable(Schema.Record({ key: Schema.String, value: Schema.Int })),
  last_remote_skipped: nullable(Schema.Int),
  last_remote_duration_ms: nullable(Schema.Number),
  activity_state: nullable(Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: LegacyFlags }) })),
  lifecycle_state: nullable(Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: LegacyComponent }) }))
})
type LegacySnapshot = typeof LegacySnapshot.Type

const decodeLegacy = Schema.decodeUnknownEither(LegacySnapshot)

/** Python's `isoformat()`: microseconds, and an offset unless the writer used a naive (UTC) time. */
const legacyTime = (text: string | null): DateTime.Utc | null => {
  if (text === null) return null
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`
  return Option.getOrNull(Option.map(DateTime.make(zoned), DateTime.toUtc))
}

/** The original's component states: `ready`, `failed`, and in between (`activating`, `unknown`). */
const legacyComponentState = (state: string): ComponentState => (state === "ready" ? "ready" : state === "failed" ? "failed" : "degraded")

/** The original's default supervisor poll interval and component health timeout. */
const LEGACY_POLL_INTERVAL_MS = 2_000
const LEGACY_HEALTH_TIMEOUT_MS = 5_000

const fromLegacy = (legacy: LegacySnapshot, updatedAt: DateTime.Utc): RuntimeHealthSnapshot => {
  const activityState = Object.fromEntries(Object.entries(legacy.activity_state ?? {}).map(([domain, byKey]) => [
    domain,
    Object.fromEntries(Object.entries(byKey).map(([key, flags]) => [
      key,
      new KeyActivity({ state: stateOfFlags(flags), paused: flags.paused, draining: flags.draining, note: flags.note, inflight: 0, expiresAt: null })
    ]))
  ]))
  const lifecycleState = Object.fromEntries(Object.entries(legacy.lifecycle_state ?? {}).map(([domain, byKey]) => [
    domain,
    Object.fromEntries(Object.entries(byKey).map(([key, c]) => [
      key,
      new ComponentHealth({
        state: legacyComponentState(c.state),
        hasCheck: c.last_health_at !== null,
        timeoutMs: LEGACY_HEALTH_TIMEOUT_MS,
        registeredAt: legacyTime(c.last_state_change_at) ?? updatedAt,
        lastHealthAt: legacyTime(c.last_health_at),
        lastError: c.last_error,
        lastDurationMs: null
      })
    ]))
  ]))
  const keys = Object.values(activityState).reduce((n, byKey) => n + Object.keys(byKey).length, 0)
  const pid = legacy.orchestrator_pid
  return new RuntimeHealthSnapshot({
    watchersRunning: legacy.watchers_running,
    remoteEnabled: legacy.remote_enabled,
    lastRemoteSyncAt: legacyTime(legacy.last_remote_sync_at),
    lastRemoteError: legacy.last_remote_error,
    orchestratorPid: pid,
    updatedAt,
    lastRemoteRegistered: legacy.last_remote_registered,
    lastRemotePerDomain: legacy.last_remote_per_domain ?? {},
    lastRemoteSkipped: legacy.last_remote_skipped,
    lastRemoteDurationMs: legacy.last_remote_duration_ms,
    activityState,
    activityOmitted: 0,
    lifecycleState,
    // Not in the original's file: neutral values, which the probe does not judge a legacy snapshot by.
    supervisor: new SupervisorStatus({
      enabled: true,
      phase: "running",
      running: pid !== null,
      healthy: true,
      pollIntervalMs: LEGACY_POLL_INTERVAL_MS,
      watching: legacy.watchers_running,
      lastTickAt: null,
      lastTickMs: 0,
      ticks: 0,
      lastError: null,
      lagMs: 0,
      appliedSeq: 0,
      keys
    }),
    profile: new ProfileFlags({
      name: "default",
      supervisorEnabled: true,
      watchersEnabled: legacy.watchers_running,
      remoteEnabled: legacy.remote_enabled,
      inlineManifestOnly: false
    }),
    secrets: new SecretsStatus({ provider: "env+file", dir: "", required: [], status: "ready", missing: [] }),
    instance: new InstanceInfo({ id: "python-original", pid: pid ?? 0, host: "", startedAt: updatedAt }),
    heartbeatIntervalMs: 0,
    ready: true,
    readyReasons: []
  })
}

const parseLegacy = (location: string, json: unknown): SnapshotRead => {
  const decoded = decodeLegacy(json)
  if (decoded._tag === "Left") {
    const [first] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
    const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `
    return { _tag: "Corrupt", reason: `health snapshot at ${location} (written by the Python original) cannot be read: ${where}${first?.message ?? "unexpected shape"}` }
  }
  const updatedAt = legacyTime(decoded.right.updated_at)
  if (updatedAt === null) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} (written by the Python original) has no valid updated_at` }
  }
  return { _tag: "Found", snapshot: fromLegacy(decoded.right, updatedAt), format: "legacy" }
}

// ---- the service ---------------------------------------------------------------------------------

/** The HealthSnapshot service: the snapshot of this process, written on every change and heartbeat. */
export interface HealthSnapshotService {
  /** The file's absolute path, or `memory`. */
  readonly location: string
  /** The snapshot of this instant, not written (for `/readyz`). */
  readonly current: Effect.Effect<RuntimeHealthSnapshot>
  /** Build and write now; a failure also makes the supervisor report itself unhealthy until a write succeeds. */
  readonly writeNow: Effect.Effect<RuntimeHealthSnapshot, HealthWriteFailed>
  /** From now on `ready` is false (`shutting-down`); writes at once. */
  readonly beginShutdown: Effect.Effect<void>
  /** What the file (or memory) holds now, read tolerantly. */
  readonly read: Effect.Effect<SnapshotRead>
  /** The last snapshot written by this service, if any. */
  readonly lastWritten: Effect.Effect<RuntimeHealthSnapshot | null>
}
