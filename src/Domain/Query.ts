/** The ActivityQuery contract: the reads an operator makes, whatever the edge (CLI, HTTP). */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ActivityState, EffectiveState, Transition } from "./Activity.js"
import type { ActivityKey } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import type { StoreUnavailable } from "./Errors.js"
import type { ActivityReport, InstancesReport } from "./Report.js"
import type { ListingFields } from "./Encoder.js"
import type { DomainListingStats, HistoryFilter } from "./Store.js"

export interface ReportQuery {
  readonly domain?: Domain | undefined
  /** Only rows in this state (`drained` included: draining with nothing in flight on any live instance). */
  readonly state?: ActivityState | undefined
  /** Only this stored key. */
  readonly key?: string | undefined
}

/** One entry of a streamed report: an `ActivityListing`'s fields as plain values, and its domain. */
export interface ListedRow extends ListingFields {
  readonly domain: Domain
}

/**
 * The `activity` report of a large store, streamed: the envelope first (counts and totals, every
 * domain's `entries` empty), then the entries in report order (domain, then key).
 */
export interface ReportListing {
  readonly head: ActivityReport
  /** The store's statistics of each listed domain. */
  readonly domains: ReadonlyArray<DomainListingStats>
  /** The next entries (at most `max`), or `undefined` when there are no more. */
  readonly next: (max: number) => ReadonlyArray<ListedRow> | undefined
}

export interface ActivityQueryService {
  /** The store, for messages (`sqlite:/abs/path`, `memory`). */
  readonly describe: string
  /** The `activity` report: every stored row with its state and the in-flight count of the live instances. */
  readonly report: (query?: ReportQuery) => Effect.Effect<ActivityReport, StoreUnavailable>
  /**
   * The same report streamed from the store's listing read (held open until the scope closes), or `null` when
   * the store has none or the query needs the filters of `report` (`state`, `key`): then use `report`.
   */
  readonly listing: (query?: ReportQuery) => Effect.Effect<ReportListing | null, StoreUnavailable, Scope.Scope>
  /** Every process that published itself in the store: applied position, heartbeat age, in-flight counts. */
  readonly instances: Effect.Effect<InstancesReport, StoreUnavailable>
  /** The transitions, newest first. */
  readonly history: (filter?: HistoryFilter) => Effect.Effect<ReadonlyArray<Transition>, StoreUnavailable>
  /** A key's effective state as stored now: its own row ∪ every matching wildcard row, and the deciding rule. */
  readonly effective: (domain: Domain, key: ActivityKey) => Effect.Effect<EffectiveState, StoreUnavailable>
}
