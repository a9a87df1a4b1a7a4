/** In-flight work under a key across the live instances the store knows of. */
import type * as DateTime from "effect/DateTime"
import { covers } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import { InstanceDrain } from "./Drain.js"
import { isLive } from "./Instance.js"
import type { InstanceReport } from "./Instance.js"

export interface InflightView {
  /** Per live instance: its in-flight count under the key and whether it has applied feed position `seq`. */
  readonly instances: ReadonlyArray<InstanceDrain>
  readonly total: number
  readonly stale: ReadonlyArray<string>
}

export const inflightUnder = (
  reports: ReadonlyArray<InstanceReport>,
  domain: Domain,
  key: string,
  seq: number,
  now: DateTime.Utc
): InflightView => {
  const live = reports.filter((r) => isLive(r, now))
  const instances = live.map((r) =>
    new InstanceDrain({
      id: r.id,
      pid: r.pid,
      host: r.host,
      acknowledged: r.appliedSeq >= seq,
      inflight: r.inflight.reduce((n, c) => (c.domain === domain && covers(key, c.key) ? n + c.count : n), 0)
    })
  )
  return {
    instances,
    total: instances.reduce((n, i) => n + i.inflight, 0),
    stale: reports.filter((r) => !isLive(r, now)).map((r) => r.id)
  }
}
