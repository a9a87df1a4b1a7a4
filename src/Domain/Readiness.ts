/**
 * Readiness as pure rules (DESIGN §6): the reasons a process is not ready, shared by the snapshot's
 * writer (which decides `ready`) and by the probe (which re-decides it from a snapshot read back from
 * its file), so the same problem reads the same wherever it is reported.
 */
import * as DateTime from "effect/DateTime"
import type { SecretsStatus } from "./Config.js"
import { HealthReport } from "./Health.js"
import type { RuntimeHealthSnapshot, SnapshotRead } from "./Health.js"
import type { StoreLink, SupervisorStatus } from "./Supervision.js"
import { formatMs } from "./Duration.js"

/** The reason lines, shared with the probe so that the same problem reads the same (and is listed once). */
export const Reasons = {
  stopped: "stopped",
  shuttingDown: "shutting-down",
  starting: "supervisor is starting: the activity state is not loaded yet",
  notRunning: "supervisor is not running",
  unhealthy: (error: string | null) => `supervisor unhealthy: ${error ?? "no error recorded"}`,
  secrets: (missing: ReadonlyArray<string>) => `required secrets missing: ${missing.join(", ")}`,
  failed: (domain: string, key: string, error: string | null) => `component ${domain}/${key} failed${error === null ? "" : `: ${error}`}`,
  wholeDomain: (domain: string, state: "paused" | "draining", components: number) =>
    `${domain}/* is ${state}: all ${components} registered ${domain} component(s) refuse new work`
} as const

/** The supervisor's own problems: enabled implies running, loaded and healthy. */
export const supervisorReasons = (status: SupervisorStatus): Array<string> => {
  const reasons: Array<string> = []
  if (status.phase === "shutting-down") reasons.push(Reasons.shuttingDown)
  if (!status.enabled) return reasons
  if (status.phase === "starting") reasons.push(Reasons.starting)
  if (!status.running && status.phase !== "shutting-down") reasons.push(Reasons.notRunning)
  if (!status.healthy) reasons.push(Reasons.unhealthy(status.lastError))
  return reasons
}

const at = (time: DateTime.Utc | null) => (time === null ? "never" : DateTime.formatIso(time))

/** The store's identity, its last replacement and the keys held since, as `; …` clauses (empty when there is nothing to say). */
const replacementClauses = (link: StoreLink): string => {
  const id = link.storeId === null ? "" : `; store id ${link.storeId}`
  const last = link.lastReplacement
  if (last === null) return id
  const what = last.sameStore ? "a copy of the same store" : `a different store (id ${last.previousId ?? "unknown"} → ${last.currentId ?? "none"})`
  return `${id}; file ${last.reason} ${link.replacements} time(s), last ${at(last.at)} by ${what}: paused ${last.pausedBefore} → ${last.pausedAfter}, ` +
    `draining ${last.drainingBefore} → ${last.drainingAfter}` + (link.held > 0 ? `; HOLDING ${link.held} key(s) the new store would let through` : "")
}

/** One line on the supervisor's link to its store: what `health`, `/readyz?verbose` and logs say about it. */
export const describeStoreLink = (link: StoreLink, appliedSeq: number): string =>
  describeReach(link, appliedSeq) + replacementClauses(link)

const describeReach = (link: StoreLink, appliedSeq: number): string => {
  const push = link.listening === null ? "" : link.listening ? "; push: listening" : "; push: reconnecting (polling meanwhile)"
  if (link.reachable) {
    const sync = link.lastSyncMs === null ? "" : ` (${Math.round(link.lastSyncMs * 10) / 10} ms)`
    return `${link.store}: reachable; in step at feed position ${appliedSeq}, last sync ${at(link.lastSyncAt)}${sync}${push}` +
      (link.reconnects > 0 ? `; push reconnected ${link.reconnects} time(s)` : "") +
      (link.lastError === null ? "" : `; ${link.lastError}`)
  }
  const enforcing = link.failStatic ? `enforcing the last known state (feed position ${appliedSeq}, last sync ${at(link.lastSyncAt)})` : "no state loaded yet"
  const readiness = link.shared ? `; shared store, readiness policy ${link.outageReadiness}` : ""
  return `${link.store}: UNREACHABLE since ${at(link.downSince)}: ${enforcing}${readiness}${push}` + (link.lastError === null ? "" : `; ${link.lastError}`)
}

/** The store as a `/readyz?verbose` check: ok while reachable (an outage may still leave the process ready, by policy). */
export const storeChecks = (status: SupervisorStatus): Array<{ readonly name: string; readonly ok: boolean; readonly detail: string | null }> =>
  status.store === null ? [] : [{ name: "store", ok: status.store.reachable && status.store.held === 0, detail: describeStoreLink(status.store, status.appliedSeq) }]

export const secretsReasons = (secrets: SecretsStatus): Array<string> =>
  secrets.status === "missing" || secrets.missing.length > 0 ? [Reasons.secrets(secrets.missing)] : []

export const componentReasons = (lifecycle: RuntimeHealthSnapshot["lifecycleState"]): Array<string> =>
  Object.entries(lifecycle).flatMap(([domain, byKey]) =>
    Object.entries(byKey).flatMap(([key, c]) => (c.state === "failed" ? [Reasons.failed(domain, key, c.lastError)] : []))
  )

/**
 * "Draining everything": a domain's `*` rule is paused or draining while the domain has
 * registered components, so none of them can take work.
 */
export const wholeDomainReasons = (
  activity: RuntimeHealthSnapshot["activityState"],
  perDomain: Readonly<Record<string, number>>
): Array<string> =>
  Object.entries(activity).flatMap(([domain, byKey]) => {
    const all = byKey["*"]
    const registered = perDomain[domain] ?? 0
    if (all === undefined || registered === 0 || (!all.paused && !all.draining)) return []
    return [Reasons.wholeDomain(domain, all.paused ? "paused" : "draining", registered)]
  })

/** Each reason once, in first-seen order. */
export const dedupe = (reasons: ReadonlyArray<string>): Array<string> => [...new Set(reasons)]

/** Without `--max-age`, a snapshot older than this many of its writer's heartbeats is stale. */
const MAX_AGE_HEARTBEATS = 3
/** The fallback when the snapshot does not say (3 × the default 5 s heartbeat). */
const DEFAULT_MAX_AGE_MS = 15_000
/**
 * Clock skew tolerated for a snapshot dated in the future (written on a host whose clock runs ahead, or
 * forged): beyond it the snapshot proves nothing about now, so it is not fresh.
 */
export const MAX_FUTURE_SKEW_MS = 5_000

export interface ProbeOptions {
  /** The file the snapshot was read from (for the report). */
  readonly path: string
  readonly now: DateTime.Utc
  /** `--max-age`; default 3 heartbeats of the snapshot's writer. */
  readonly maxAgeMs?: number | undefined
  /** This host's name: a pid is only checked on the host that wrote it. */
  readonly host: string
  /** Is `pid` running on this host? */
  readonly isAlive: (pid: number) => boolean
}

/**
 * The verdict on a snapshot read back from its file: ready iff fresh, its process alive, the supervisor
 * enabled and healthy, no required secret missing, no component failed, and the writer itself said ready.
 * The checks are redone from the fields, so a hand-edited `ready: true` proves nothing.
 */
export const probe = (read: SnapshotRead, options: ProbeOptions): HealthReport => {
  if (read._tag !== "Found") {
    return new HealthReport({
      path: options.path,
      ready: false,
      reasons: [read.reason],
      checkedAt: options.now,
      ageMs: null,
      maxAgeMs: options.maxAgeMs ?? DEFAULT_MAX_AGE_MS,
      pidAlive: null,
      snapshot: null
    })
  }
  if (read.format === "legacy") return probeLegacy(read.snapshot, options)
  const snapshot = read.snapshot
  const maxAgeMs = options.maxAgeMs ?? defaultMaxAge(snapshot)
  const ageMs = DateTime.toEpochMillis(options.now) - DateTime.toEpochMillis(snapshot.updatedAt)
  const reasons: Array<string> = []
  if (ageMs > maxAgeMs) reasons.push(stale(ageMs, maxAgeMs))
  if (-ageMs > MAX_FUTURE_SKEW_MS) reasons.push(future(ageMs))

  const pid = snapshot.orchestratorPid
  let alive: boolean | null = null
  if (pid === null) {
    // The snapshot written at stop: everything else in it describes a process that is gone.
    reasons.push("the process has stopped (orchestrator_pid is null)")
    return report(options, snapshot, reasons, ageMs, maxAgeMs, alive)
  }
  if (pid <= 0) {
    reasons.push(`orchestrator_pid ${pid} is not a process id`)
  } else if (snapshot.instance.host === options.host) {
    alive = options.isAlive(pid)
    if (!alive) reasons.push(`orchestrator pid ${pid} is not running on ${options.host}`)
  }

  if (!snapshot.supervisor.enabled) reasons.push("supervisor is disabled")
  reasons.push(...supervisorReasons(snapshot.supervisor), ...secretsReasons(snapshot.secrets), ...componentReasons(snapshot.lifecycleState))
  reasons.push(...snapshot.readyReasons)
  if (!snapshot.ready && snapshot.readyReasons.length === 0) reasons.push("the snapshot says not ready")
  return report(options, snapshot, reasons, ageMs, maxAgeMs, alive)
}

const stale = (ageMs: number, maxAgeMs: number) => `snapshot is stale: updated ${formatMs(ageMs)} ago (max age ${formatMs(maxAgeMs)})`

const future = (ageMs: number) =>
  `snapshot is from the future: updated_at is ${formatMs(-ageMs)} ahead of this host's clock (more than ${formatMs(MAX_FUTURE_SKEW_MS)} of skew)`

/**
 * A snapshot written by the Python original says less: no supervisor, secrets or host, and it is
 * rewritten only on changes, so its age proves nothing unless `--max-age` asks. Ready iff its process
 * (read on the host that wrote it, as an exec probe is) is running and no component failed.
 */
const probeLegacy = (snapshot: RuntimeHealthSnapshot, options: ProbeOptions): HealthReport => {
  const ageMs = DateTime.toEpochMillis(options.now) - DateTime.toEpochMillis(snapshot.updatedAt)
  const maxAgeMs = options.maxAgeMs ?? null
  const reasons: Array<string> = []
  if (maxAgeMs !== null && ageMs > maxAgeMs) reasons.push(stale(ageMs, maxAgeMs))
  if (-ageMs > MAX_FUTURE_SKEW_MS) reasons.push(future(ageMs))
  const pid = snapshot.orchestratorPid
  let alive: boolean | null = null
  if (pid === null) reasons.push("the original's snapshot names no process (orchestrator_pid is null)")
  else if (pid <= 0) reasons.push(`orchestrator_pid ${pid} is not a process id`)
  else {
    alive = options.isAlive(pid)
    if (!alive) reasons.push(`orchestrator pid ${pid} is not running on ${options.host}`)
  }
  reasons.push(...componentReasons(snapshot.lifecycleState))
  return report(options, snapshot, reasons, ageMs, maxAgeMs, alive, "legacy")
}

const report = (
  options: ProbeOptions,
  snapshot: RuntimeHealthSnapshot,
  reasons: ReadonlyArray<string>,
  ageMs: number,
  maxAgeMs: number | null,
  alive: boolean | null,
  format: "oneiric" | "legacy" = "oneiric"
) => {
  const unique = dedupe(reasons)
  return new HealthReport({
    path: options.path,
    format,
    ready: unique.length === 0,
    reasons: unique,
    checkedAt: options.now,
    ageMs: ageMs,
    maxAgeMs: maxAgeMs,
    pidAlive: alive,
    snapshot
  })
}

const defaultMaxAge = (snapshot: RuntimeHealthSnapshot) =>
  Number.isFinite(snapshot.heartbeatIntervalMs) && snapshot.heartbeatIntervalMs > 0
    ? MAX_AGE_HEARTBEATS * snapshot.heartbeatIntervalMs
    : DEFAULT_MAX_AGE_MS
