/**
 * The verdict on a snapshot read back from its file (`oneiric health`, `--probe`): ready iff the snapshot is fresh,
 * its process alive, the supervisor enabled and healthy, no required secret missing, no component failed, and the
 * writer itself said ready. The checks are redone from the fields, so a hand-edited `ready: true` proves nothing.
 */
import * as DateTime from "effect/DateTime"
import { HealthReport } from "../Domain/Health.js"
import type { RuntimeHealthSnapshot } from "../Domain/Health.js"
import { componentReasons, dedupe, secretsReasons, supervisorReasons } from "./Build.js"
import type { SnapshotRead } from "./File.js"

/** Without `--max-age`, a snapshot older than this many of its writer's heartbeats is stale. */
export const MAX_AGE_HEARTBEATS = 3
/** The fallback when the snapshot does not say (3 × the default 5 s heartbeat). */
export const DEFAULT_MAX_AGE_MS = 15_000

export interface ProbeOptions {
  /** The file the snapshot was read from (for the report). */
  readonly path: string
  readonly now: DateTime.Utc
  /** `--max-age`; default 3 heartbeats of the snapshot's writer. */
  readonly maxAgeMs?: number | undefined
  /** This host's name: a pid is only checked on the host that wrote it. */
  readonly host: string
  readonly isAlive?: ((pid: number) => boolean) | undefined
}

/** `kill(pid, 0)` delivers nothing and tells whether the process exists; EPERM means it does, as someone else's. */
export const isPidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM"
  }
}

export const probe = (read: SnapshotRead, options: ProbeOptions): HealthReport => {
  if (read._tag !== "Found") {
    return new HealthReport({
      path: options.path,
      ready: false,
      reasons: [read.reason],
      checked_at: options.now,
      age_ms: null,
      max_age_ms: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
      pid_alive: null,
      snapshot: null
    })
  }
  const snapshot = read.snapshot
  const maxAgeMs = options.maxAgeMs ?? defaultMaxAge(snapshot)
  const ageMs = DateTime.toEpochMillis(options.now) - DateTime.toEpochMillis(snapshot.updated_at)
  const reasons: Array<string> = []
  if (ageMs > maxAgeMs) reasons.push(`snapshot is stale: updated ${formatMs(ageMs)} ago (max age ${formatMs(maxAgeMs)})`)

  const pid = snapshot.orchestrator_pid
  let alive: boolean | null = null
  if (pid === null) {
    // The snapshot written at stop: everything else in it describes a process that is gone.
    reasons.push("the process has stopped (orchestrator_pid is null)")
    return report(options, snapshot, reasons, ageMs, maxAgeMs, alive)
  }
  if (pid <= 0) {
    reasons.push(`orchestrator_pid ${pid} is not a process id`)
  } else if (snapshot.instance.host === options.host) {
    alive = (options.isAlive ?? isPidAlive)(pid)
    if (!alive) reasons.push(`orchestrator pid ${pid} is not running on ${options.host}`)
  }

  if (!snapshot.supervisor.enabled) reasons.push("supervisor is disabled")
  reasons.push(...supervisorReasons(snapshot.supervisor), ...secretsReasons(snapshot.secrets), ...componentReasons(snapshot.lifecycle_state))
  reasons.push(...snapshot.ready_reasons)
  if (!snapshot.ready && snapshot.ready_reasons.length === 0) reasons.push("the snapshot says not ready")
  return report(options, snapshot, reasons, ageMs, maxAgeMs, alive)
}

const report = (
  options: ProbeOptions,
  snapshot: RuntimeHealthSnapshot,
  reasons: ReadonlyArray<string>,
  ageMs: number,
  maxAgeMs: number,
  alive: boolean | null
) => {
  const unique = dedupe(reasons)
  return new HealthReport({
    path: options.path,
    ready: unique.length === 0,
    reasons: unique,
    checked_at: options.now,
    age_ms: ageMs,
    max_age_ms: maxAgeMs,
    pid_alive: alive,
    snapshot
  })
}

const defaultMaxAge = (snapshot: RuntimeHealthSnapshot) =>
  Number.isFinite(snapshot.heartbeat_interval_ms) && snapshot.heartbeat_interval_ms > 0
    ? MAX_AGE_HEARTBEATS * snapshot.heartbeat_interval_ms
    : DEFAULT_MAX_AGE_MS

/** `850 ms`, `15 s`, `42.1 s`. */
export const formatMs = (ms: number): string =>
  Math.abs(ms) < 1_000 ? `${Math.round(ms)} ms` : `${Number((ms / 1_000).toFixed(1))} s`
