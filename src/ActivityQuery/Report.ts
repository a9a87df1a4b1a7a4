/** Assembles the `activity` report from stored rows and instance reports (pure: no store, no clock). */
import type * as DateTime from "effect/DateTime"
import type { ActivityEntry, ActivityState } from "../Domain/Activity.js"
import { inflightUnder } from "../Domain/Inflight.js"
import { isLive } from "../Domain/Instance.js"
import type { InstanceReport } from "../Domain/Instance.js"
import type { ReportQuery } from "../Domain/Query.js"
import { ActivityListing, ActivityReport, DomainActivity, InstanceListing, InstancesReport, StateCounts } from "../Domain/Report.js"
import { listedState } from "../Domain/Rules.js"

export const buildReport = (
  store: string,
  rows: ReadonlyArray<ActivityEntry>,
  instances: ReadonlyArray<InstanceReport>,
  now: DateTime.Utc,
  query: ReportQuery
): ActivityReport => {
  const listed = report(store, query.key === undefined ? rows : rows.filter((row) => row.key === query.key), instances, now)
  // `drained` is derived from the instances' counts, so the state filter applies after deriving.
  return query.state === undefined ? listed : onlyState(listed, query.state)
}

const report = (store: string, rows: ReadonlyArray<ActivityEntry>, instances: ReadonlyArray<InstanceReport>, now: DateTime.Utc): ActivityReport => {
  const grouped = new Map<ActivityEntry["domain"], Array<ActivityListing>>()
  // Which instances are live is the same for every row: decide it once.
  const live = instances.filter((r) => isLive(r, now))
  for (const row of rows) {
    const inflight = inflightUnder(live, row.domain, row.key, now).total
    const own = listedState(row, now)
    const listing = new ActivityListing({ ...row, state: own === "draining" && inflight === 0 ? "drained" : own, inflight })
    const entries = grouped.get(row.domain)
    if (entries === undefined) grouped.set(row.domain, [listing])
    else entries.push(listing)
  }
  return summarize(store, grouped)
}

/** Every instance row, live ones first (newest heartbeat first within each). */
export const buildInstancesReport = (store: string, instances: ReadonlyArray<InstanceReport>, now: DateTime.Utc): InstancesReport => {
  const nowMs = now.epochMillis
  const listings = instances.map((r) =>
    new InstanceListing({
      id: r.id,
      pid: r.pid,
      host: r.host,
      startedAt: r.startedAt,
      heartbeatAt: r.heartbeatAt,
      heartbeatAgeMs: Math.max(0, nowMs - r.heartbeatAt.epochMillis),
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      live: isLive(r, now),
      appliedSeq: r.appliedSeq,
      inflight: r.inflight,
      inflightTotal: r.inflight.reduce((n, c) => n + c.count, 0),
      stoppedAt: r.stoppedAt,
      interrupted: r.interrupted
    })
  ).sort((a, b) => Number(b.live) - Number(a.live) || a.heartbeatAgeMs - b.heartbeatAgeMs || (a.id < b.id ? -1 : 1))
  const live = listings.filter((l) => l.live).length
  return new InstancesReport({ store, live, stale: listings.length - live, instances: listings })
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

