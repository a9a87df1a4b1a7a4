/**
 * ActivityQuery: what operators read, for the CLI and the HTTP server alike — the `activity` report
 * (stored rows with their in-flight counts across live instances), the history, and a key's
 * effective state as the store has it now.
 */
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityStore } from "./ActivityStore.js"
import { buildListing } from "./ActivityQuery/Listing.js"
import { buildInstancesReport, buildReport } from "./ActivityQuery/Report.js"
import type { ActivityQueryService } from "./Domain/Query.js"
import { effectiveState, keysToRead } from "./Domain/Rules.js"

export type { ActivityQueryService, ReportQuery } from "./Domain/Query.js"

const make = Effect.map(ActivityStore, (store): ActivityQueryService => ({
  describe: store.describe,
  report: (query = {}) =>
    Effect.gen(function*() {
      const now = yield* DateTime.now
      const instances = yield* store.instances
      // `drained` is derived from the instances' counts, so the store filters by the stored state.
      const rows = yield* store.list({ domain: query.domain, state: query.state === "drained" ? "draining" : query.state })
      return buildReport(store.describe, rows, instances, now, query)
    }),
  listing: (query = {}) =>
    Effect.gen(function*() {
      if (store.listing === undefined || query.state !== undefined || query.key !== undefined) return null
      const now = yield* DateTime.now
      const instances = yield* store.instances
      const stored = yield* store.listing({ domain: query.domain }, DateTime.toEpochMillis(now))
      return stored === null ? null : buildListing(store.describe, stored, instances, now)
    }),
  instances: Effect.gen(function*() {
    const instances = yield* store.instances
    return buildInstancesReport(store.describe, instances, yield* DateTime.now)
  }),
  history: (filter) => store.history(filter),
  effective: (domain, key) =>
    Effect.gen(function*() {
      const rows = yield* Effect.forEach(keysToRead(key), (k) => store.get(domain, k))
      const byKey = new Map(rows.flatMap((row) => (row === null ? [] : [[row.key as string, row] as const])))
      return effectiveState(domain, key, (k) => byKey.get(k), yield* DateTime.now)
    })
}))

export class ActivityQuery extends Context.Tag("oneiric/ActivityQuery")<ActivityQuery, ActivityQueryService>() {
  static layer: Layer.Layer<ActivityQuery, never, ActivityStore> = Layer.effect(ActivityQuery, make)
}
