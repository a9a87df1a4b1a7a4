/** The `activity` report (CLI and `GET /activity`): stored rows with their in-flight counts across live instances. */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { ActivityStore } from "../ActivityStore.js"
import { listedState } from "../ActivityStore/Rules.js"
import type { ActivityEntry, ActivityState } from "../Domain/Activity.js"
import type { Domain } from "../Domain/Domain.js"
import { isLive } from "../Domain/Instance.js"
import type { InstanceReport } from "../Domain/Instance.js"
import { ActivityListing, ActivityReport, DomainActivity, StateCounts } from "../Domain/Report.js"
import { inflightUnder } from "./Inflight.js"

export interface ActivityQuery {
  readonly domain?: Domain | undefined
  readonly state?: ActivityState | undefined
  readonly key?: string | undefined
}

export const buildActivityReport = (query: ActivityQuery = {}) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const now = yield* DateTime.now
    const instances = yield* store.instances
    // `drained` is derived from the instances' counts, so filter after deriving.
    const rows = (yield* store.list({ domain: query.domain, state: query.state === "drained" ? "draining" : query.state }))
      .filter((row) => query.key === undefined || row.key === query.key)
    const listed = report(store.describe, rows, instances, now)
    return query.state === undefined ? listed : onlyState(listed, query.state)
  })

const report = (store: string, rows: ReadonlyArray<ActivityEntry>, instances: ReadonlyArray<InstanceReport>, now: DateTime.Utc): ActivityReport => {
  const grouped = new Map<ActivityEntry["domain"], Array<ActivityListing>>()
  // Which instances are live is the same for every row: decide it once.
  const live = instances.filter((r) => isLive(r, now))
  for (const row of rows) {
    const inflight = inflightUnder(live, row.domain, row.key, 0, now).total
    const own = listedState(row, now)
    const listing = new ActivityListing({ ...row, state: own === "draining" && inflight === 0 ? "drained" : own, inflight })
    const entries = grouped.get(row.domain)
    if (entries === undefined) grouped.set(row.domain, [listing])
    else entries.push(listing)
  }
  return summarize(store, grouped)
}

const onlyState = (report: ActivityReport, state: ActivityState): ActivityReport =>
  summarize(report.store, new Map(Object.entries(report.domains).map(([d, { entries }]) => [d, entries.filter((e) => e.state === state)] as const).filter(([, e]) => e.length > 0)))

const summarize = (store: string, grouped: ReadonlyMap<string, ReadonlyArray<ActivityListing>>): ActivityReport => {
  const domains: Record<string, DomainActivity> = {}
  const totals = { paused: 0, draining: 0, noteOnly: 0, entries: 0 }
  for (const [domain, entries] of grouped) {
    const counts = new StateCounts({
      paused: entries.filter((e) => e.state === "paused").length,
      draining: entries.filter((e) => e.state === "draining" || e.state === "drained").length,
      noteOnly: entries.filter((e) => e.state === "note-only").length
    })
    totals.paused += counts.paused
    totals.draining += counts.draining
    totals.noteOnly += counts.noteOnly
    totals.entries += entries.length
    domains[domain] = new DomainActivity({ counts, entries })
  }
  return new ActivityReport({ store, domains, totals })
}

