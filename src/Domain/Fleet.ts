/**
 * "Until it has taken effect everywhere" (DESIGN §9): how far the live instances sharing a store
 * are with one change — each has applied it once its change-feed position reaches the change's —
 * and, for a drain, how much is still in flight under the key. Pure: the waiting itself is the
 * Operator's, the rendering the CLI's (or the console's).
 */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import type { Domain } from "./Domain.js"
import { snake } from "./Fields.js"
import { covers } from "./ActivityKey.js"
import { inflightOf, inflightUnder } from "./Inflight.js"
import type { InstanceReport } from "./Instance.js"

/** One live instance as the wait saw it last. */
export class InstanceAck extends Schema.Class<InstanceAck>("InstanceAck")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  /** Has it applied the change (its change-feed position is at or past the change's)? */
  acknowledged: Schema.Boolean,
  appliedSeq: snake(Schema.Number, "applied_seq"),
  /** In flight there under the key. */
  inflight: Schema.Number,
  heartbeatAgeMs: snake(Schema.Number, "heartbeat_age_ms")
}) {}

/** Work an instance interrupted under the key when it stopped (its final report), while the key was draining. */
export class InterruptedWork extends Schema.Class<InterruptedWork>("InterruptedWork")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  stoppedAt: snake(Schema.DateTimeUtc, "stopped_at"),
  /** Interrupted there under the key (for a wildcard, under every key it covers). */
  count: Schema.Number
}) {}

/** How a wait for the fleet stands (the last one: how it ended). */
export class FleetWait extends Schema.Class<FleetWait>("FleetWait")({
  /** The change-feed position of the change waited for. */
  seq: Schema.Number,
  /** Live instances that have applied it, of `live`. */
  applied: Schema.Number,
  live: Schema.Number,
  /** Every live instance has applied it (and, for a drain, has nothing in flight under the key). */
  complete: Schema.Boolean,
  /** In flight under the key on the live instances. */
  remaining: Schema.Number,
  waitedMs: snake(Schema.Number, "waited_ms"),
  timeoutMs: snake(Schema.Number, "timeout_ms"),
  instances: Schema.Array(InstanceAck),
  /** The live instances not done yet: the change not applied (or, for a drain, work still in flight). */
  pending: Schema.Array(Schema.String),
  /** Instances whose heartbeat is older than 3 intervals: ignored. */
  stale: Schema.Array(Schema.String),
  /**
   * For a drain: instances that stopped since the key began draining and had to interrupt work under it at
   * shutdown (their final report). Nothing of it is running any more, but it was cut, not finished.
   */
  interrupted: Schema.optionalWith(Schema.Array(InterruptedWork), { default: () => [] })
}) {}

/**
 * How a `drain --wait` ended: `drained` when every live instance has applied the drain, nothing is in flight
 * under the key and no instance interrupted work under it at shutdown since the drain began.
 */
export class DrainWait extends FleetWait.extend<DrainWait>("DrainWait")({
  drained: Schema.Boolean
}) {}

/** A drain's verdict from its fleet wait. */
export const drainedOf = (wait: FleetWait): boolean => wait.complete && wait.interrupted.length === 0

export interface FleetTarget {
  readonly domain: Domain
  readonly key: string
  /** The change-feed position at which the change is in effect (`TransitionReport.seq`). */
  readonly seq: number
  /** Also wait for nothing in flight under the key. */
  readonly drain: boolean
  /**
   * For a drain: since when the key has been draining (epoch ms); instances that stopped since then and
   * interrupted work under the key are reported. Default: interruptions are not looked for.
   */
  readonly drainingSince?: number | undefined
}

export const fleetWait = (
  reports: ReadonlyArray<InstanceReport>,
  target: FleetTarget,
  now: DateTime.Utc,
  timing: { readonly waitedMs: number; readonly timeoutMs: number }
): FleetWait => {
  const view = inflightUnder(reports, target.domain, target.key, now)
  const nowMs = DateTime.toEpochMillis(now)
  const instances = view.live.map((r) =>
    new InstanceAck({
      id: r.id,
      pid: r.pid,
      host: r.host,
      acknowledged: r.appliedSeq >= target.seq,
      appliedSeq: r.appliedSeq,
      inflight: inflightOf(r, target.domain, target.key),
      heartbeatAgeMs: Math.max(0, nowMs - DateTime.toEpochMillis(r.heartbeatAt))
    })
  )
  const pending = instances.filter((i) => !i.acknowledged || (target.drain && i.inflight > 0)).map((i) => i.id)
  return new FleetWait({
    seq: target.seq,
    applied: instances.filter((i) => i.acknowledged).length,
    live: instances.length,
    complete: pending.length === 0,
    remaining: view.total,
    waitedMs: timing.waitedMs,
    timeoutMs: timing.timeoutMs,
    instances,
    pending,
    stale: view.stale,
    interrupted: target.drain && target.drainingSince !== undefined ? interruptedSince(reports, target, target.drainingSince) : []
  })
}

const interruptedSince = (reports: ReadonlyArray<InstanceReport>, target: FleetTarget, since: number): Array<InterruptedWork> =>
  reports.flatMap((r) => {
    if (r.stoppedAt === null || DateTime.toEpochMillis(r.stoppedAt) < since) return []
    const count = r.interrupted.reduce((n, c) => (c.domain === target.domain && covers(target.key, c.key) ? n + c.count : n), 0)
    return count === 0 ? [] : [new InterruptedWork({ id: r.id, pid: r.pid, host: r.host, stoppedAt: r.stoppedAt, count })]
  })
