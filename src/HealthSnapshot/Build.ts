/**
 * Builds the `RuntimeHealthSnapshot` from what the process knows at one instant, and decides
 * readiness. Pure: every input is passed in, so tests need no clock, store or file.
 */
import type * as DateTime from "effect/DateTime"
import type { ActivityEntry } from "../Domain/Activity.js"
import { stateOfFlags } from "../Domain/Activity.js"
import type { ResolvedConfig } from "../Domain/Config.js"
import type { Domain } from "../Domain/Domain.js"
import { KeyActivity, ProfileFlags, RuntimeHealthSnapshot } from "../Domain/Health.js"
import type { InstanceInfo } from "../Domain/Health.js"
import { componentReasons, dedupe, Reasons, secretsReasons, supervisorReasons, wholeDomainReasons } from "../Domain/Readiness.js"
import { SupervisorStatus } from "../Domain/Supervision.js"
import type { RegisteredComponent } from "../Domain/Lifecycle.js"

/**
 * `running`: normal; `shutting-down`: readiness has flipped, work is finishing; `stopped`: the
 * last snapshot of the process (no pid, watcher and supervisor stopped).
 */
export type WriterPhase = "running" | "shutting-down" | "stopped"

export interface SnapshotInput {
  readonly now: DateTime.Utc
  readonly phase: WriterPhase
  readonly config: ResolvedConfig
  readonly supervisor: SupervisorStatus
  /** The stored rows this process enforces (the supervisor's snapshot). */
  readonly rows: ReadonlyArray<ActivityEntry>
  /** In-flight work in this process under a key (a wildcard sums the keys it covers). */
  readonly inflight: (domain: Domain, key: string) => number
  readonly components: ReadonlyArray<RegisteredComponent>
  readonly instance: InstanceInfo
  readonly heartbeatMs: number
}

const sortedEntries = <A>(items: Iterable<readonly [string, A]>): Array<readonly [string, A]> =>
  [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const group = <A>(items: ReadonlyArray<{ readonly domain: string; readonly key: string; readonly value: A }>) => {
  const byDomain = new Map<string, Map<string, A>>()
  for (const { domain, key, value } of items) {
    let byKey = byDomain.get(domain)
    if (byKey === undefined) byDomain.set(domain, (byKey = new Map()))
    byKey.set(key, value)
  }
  const out: Record<string, Record<string, A>> = {}
  for (const [domain, byKey] of sortedEntries(byDomain)) out[domain] = Object.fromEntries(sortedEntries(byKey))
  return out
}

/**
 * At most this many keys are listed in `activity_state`: the snapshot is rewritten on every change,
 * and at 100,000 paused keys a full listing is 18 MB and seconds of work per write. `activity_omitted`
 * says how many were left out; `oneiric activity` and `GET /activity` always list every key.
 */
const MAX_ACTIVITY_KEYS = 1_000

/** The rows worth listing first: wildcard rules (readiness reads `*`), work in flight, draining, paused. */
const mostTelling = (rows: ReadonlyArray<ActivityEntry>, inflight: SnapshotInput["inflight"]): ReadonlyArray<ActivityEntry> => {
  const rank = (row: ActivityEntry) =>
    row.key.endsWith("*") ? 0 : inflight(row.domain, row.key) > 0 ? 1 : row.draining ? 2 : row.paused ? 3 : 4
  return rows.map((row) => [rank(row), row] as const).sort((a, b) => a[0] - b[0]).slice(0, MAX_ACTIVITY_KEYS).map(([, row]) => row)
}

/**
 * With a shared (PostgreSQL) store the `last_remote_*` fields are its sync telemetry, so a probe of
 * one replica shows whether it is in step with the fleet: the last time it was, how long that look
 * took, the last error, and the keys it holds from the store (in all and per domain).
 */
const remoteFields = (input: SnapshotInput) => {
  const link = input.supervisor.store
  if (link === null || !link.shared) return undefined
  const perDomain: Record<string, number> = {}
  for (const row of input.rows) perDomain[row.domain] = (perDomain[row.domain] ?? 0) + 1
  return {
    syncAt: link.lastSyncAt,
    error: link.lastError,
    durationMs: link.lastSyncMs === null ? null : Math.round(link.lastSyncMs * 1000) / 1000,
    registered: input.rows.length,
    perDomain: Object.fromEntries(sortedEntries(Object.entries(perDomain)))
  }
}

export const buildSnapshot = (input: SnapshotInput): RuntimeHealthSnapshot => {
  const { config, now, phase } = input
  const stopped = phase === "stopped"

  const live = input.rows.filter((row) => !row.isExpired(now))
  const listed = live.length <= MAX_ACTIVITY_KEYS ? live : mostTelling(live, input.inflight)
  const activity = group(
    listed.map((row) => {
      const inflight = input.inflight(row.domain, row.key)
      const own = stateOfFlags(row)
      return {
        domain: row.domain,
        key: row.key,
        // Built from checked values; validating thousands of them on every write is wasted time.
        value: new KeyActivity({
          state: own === "draining" && inflight === 0 ? "drained" : own,
          paused: row.paused,
          draining: row.draining,
          note: row.note,
          inflight,
          expiresAt: row.expiresAt
        }, true)
      }
    })
  )

  const lifecycle = group(input.components.map((c) => ({ domain: c.domain, key: c.key, value: c.health })))
  const perDomain: Record<string, number> = {}
  for (const c of input.components) perDomain[c.domain] = (perDomain[c.domain] ?? 0) + 1
  const remote = remoteFields(input)

  const supervisor = stopped ? new SupervisorStatus({ ...input.supervisor, running: false, watching: false }) : input.supervisor

  const reasons = stopped
    ? [Reasons.stopped]
    : dedupe([
      ...(phase === "shutting-down" ? [Reasons.shuttingDown] : []),
      ...supervisorReasons(supervisor),
      ...secretsReasons(config.secrets),
      ...componentReasons(lifecycle),
      ...wholeDomainReasons(activity, perDomain)
    ])

  return new RuntimeHealthSnapshot({
    watchersRunning: !stopped && supervisor.watching,
    // With a shared store in use, remote is on whatever the profile says (serverless turns the original's remote sync off).
    remoteEnabled: config.remoteEnabled || remote !== undefined,
    lastRemoteSyncAt: remote?.syncAt ?? null,
    lastRemoteError: remote?.error ?? null,
    orchestratorPid: stopped ? null : input.instance.pid,
    updatedAt: now,
    // Without a shared store, the original's manifest counts under its own names: registered components, in all and per domain.
    lastRemoteRegistered: remote?.registered ?? input.components.length,
    lastRemotePerDomain: remote?.perDomain ?? Object.fromEntries(sortedEntries(Object.entries(perDomain))),
    lastRemoteSkipped: 0,
    lastRemoteDurationMs: remote?.durationMs ?? null,
    activityState: activity,
    activityOmitted: live.length - listed.length,
    lifecycleState: lifecycle,
    supervisor,
    profile: new ProfileFlags({
      name: config.profile,
      supervisorEnabled: config.supervisorEnabled,
      watchersEnabled: config.watchersEnabled,
      remoteEnabled: config.remoteEnabled,
      inlineManifestOnly: config.inlineManifestOnly
    }),
    secrets: config.secrets,
    instance: input.instance,
    heartbeatIntervalMs: input.heartbeatMs,
    ready: reasons.length === 0,
    readyReasons: reasons
  })
}
