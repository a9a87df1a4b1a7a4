/**
 * A health snapshot written by the Python original: its twelve fields only, every one optional and
 * nullable as its writer allows. Decoded on its own and turned into this project's snapshot: what the
 * original does not record holds neutral values, which the probe does not judge a legacy snapshot by.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { stateOfFlags } from "./Activity.js"
import { SecretsStatus } from "./Config.js"
import { ComponentHealth, InstanceInfo, KeyActivity, ProfileFlags, RuntimeHealthSnapshot } from "./Snapshot.js"
import type { ComponentState } from "./Snapshot.js"
import { SupervisorStatus } from "./Supervision.js"

/** What reading a legacy file gave (the `Found` and `Corrupt` cases of `SnapshotRead`). */
export type LegacyRead =
  | { readonly _tag: "Found"; readonly snapshot: RuntimeHealthSnapshot; readonly format: "legacy" }
  | { readonly _tag: "Corrupt"; readonly reason: string }

/** None of this project's additions, and the original's own fields: a file the original wrote. */
export const isLegacyShape = (json: object): boolean =>
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

export const parseLegacy = (location: string, json: unknown): LegacyRead => {
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
