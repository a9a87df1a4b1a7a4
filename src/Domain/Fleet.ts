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
  stale: Schema.Array(Schema.String)
}) {}

/** How a `drain --wait` ended: a fleet wait whose `drained` is its `complete`. */
export class DrainWait extends FleetWait.extend<DrainWait>("DrainWait")({
  drained: Schema.Boolean
}) {}

export interface FleetTarget {
  readonly domain: Domain
  readonly key: string
  /** The change-feed position at which the change is in effect (`TransitionReport.seq`). */
  readonly seq: number
  /** Also wait for nothing in flight under the key. */
  readonly drain: boolean
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
    stale: view.stale
  })
}
