/** In-flight work under a key across the live instances the store knows of. */
import type * as DateTime from "effect/DateTime"
import { covers } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import { isLive } from "./Instance.js"
import type { InstanceReport } from "./Instance.js"

/** Work running on one instance under `key` (for a wildcard, under every key it covers). */
export const inflightOf = (report: InstanceReport, domain: Domain, key: string): number =>
  report.inflight.reduce((n, c) => (c.domain === domain && covers(key, c.key) ? n + c.count : n), 0)

export interface InflightView {
  /** The live instances, and the ids of the stale ones (ignored). */
  readonly live: ReadonlyArray<InstanceReport>
  readonly stale: ReadonlyArray<string>
  /** In flight under the key on the live instances. */
  readonly total: number
}

export const inflightUnder = (reports: ReadonlyArray<InstanceReport>, domain: Domain, key: string, now: DateTime.Utc): InflightView => {
  const live = reports.filter((r) => isLive(r, now))
  return {
    live,
    stale: reports.filter((r) => !isLive(r, now)).map((r) => r.id),
    total: live.reduce((n, r) => n + inflightOf(r, domain, key), 0)
  }
}
