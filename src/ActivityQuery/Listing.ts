/**
 * The `activity` report over a store's listing read (`ActivityStoreService.listing`): the envelope (counts,
 * totals) from the store's per-domain statistics, then the entries row by row as plain values, never
 * 100,000 Schema classes at once. Pure: no store, no clock.
 */
import * as DateTime from "effect/DateTime"
import type { Domain } from "../Domain/Domain.js"
import type { ListingFields } from "../Domain/Encoder.js"
import { inflightOf } from "../Domain/Inflight.js"
import { isLive } from "../Domain/Instance.js"
import type { InstanceReport } from "../Domain/Instance.js"
import type { ListedRow, ReportListing } from "../Domain/Query.js"
import { ActivityReport, DomainActivity, StateCounts } from "../Domain/Report.js"
import type { StoredListing } from "../Domain/Store.js"

export const buildListing = (store: string, stored: StoredListing, instances: ReadonlyArray<InstanceReport>, now: DateTime.Utc): ReportListing => {
  // Which instances are live is the same for every row: decide it once; most rows have nothing in flight.
  const live = instances.filter((r) => isLive(r, now) && r.inflight.length > 0)
  const busy = new Set<Domain>(live.flatMap((r) => r.inflight.map((c) => c.domain)))
  const domains: Record<string, DomainActivity> = {}
  const totals = { paused: 0, draining: 0, noteOnly: 0, entries: 0 }
  for (const d of stored.domains) {
    // An expired row lists as accepting; `draining` counts draining and drained rows alike.
    domains[d.domain] = new DomainActivity({ counts: new StateCounts({ paused: d.paused, draining: d.draining, noteOnly: d.noteOnly }), entries: [] })
    totals.paused += d.paused
    totals.draining += d.draining
    totals.noteOnly += d.noteOnly
    totals.entries += d.entries
  }
  const nowMs = DateTime.toEpochMillis(now)
  const next = (max: number): ReadonlyArray<ListedRow> | undefined => {
    const rows = stored.next(max)
    if (rows === undefined) return undefined
    const listed = new Array<ListedRow>(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const [domain, key, paused, draining, note, updatedAt, updatedBy, source, expiresAt] = rows[i]!
      const inflight = busy.has(domain) ? live.reduce((n, r) => n + inflightOf(r, domain, key), 0) : 0
      // Rules.listedState over the stored columns.
      const state: ListingFields["state"] = expiresAt !== null && expiresAt <= nowMs
        ? "accepting"
        : paused !== 0
        ? "paused"
        : draining !== 0
        ? (inflight === 0 ? "drained" : "draining")
        : note !== null
        ? "note-only"
        : "accepting"
      // As Rows.toEntry reads a time (a REAL or TEXT column holds a number too).
      listed[i] = { domain, key, state, paused: paused !== 0, draining: draining !== 0, note, updatedAt: updatedAt === null ? null : Number(updatedAt), updatedBy, source, expiresAt, inflight }
    }
    return listed
  }
  return { head: new ActivityReport({ store, domains, totals }), domains: stored.domains, next }
}
