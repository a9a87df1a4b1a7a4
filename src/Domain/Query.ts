/** The ActivityQuery contract: the reads an operator makes, whatever the edge (CLI, HTTP). */
import type * as Effect from "effect/Effect"
import type { ActivityState, EffectiveState, Transition } from "./Activity.js"
import type { ActivityKey } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import type { StoreUnavailable } from "./Errors.js"
import type { ActivityReport, InstancesReport } from "./Report.js"
import type { HistoryFilter } from "./Store.js"

export interface ReportQuery {
  readonly domain?: Domain | undefined
  /** Only rows in this state (`drained` included: draining with nothing in flight on any live instance). */
  readonly state?: ActivityState | undefined
  /** Only this stored key. */
  readonly key?: string | undefined
}

export interface ActivityQueryService {
  /** The store, for messages (`sqlite:/abs/path`, `memory`). */
  readonly describe: string
  /** The `activity` report: every stored row with its state and the in-flight count of the live instances. */
  readonly report: (query?: ReportQuery) => Effect.Effect<ActivityReport, StoreUnavailable>
  /** Every process that published itself in the store: applied position, heartbeat age, in-flight counts. */
  readonly instances: Effect.Effect<InstancesReport, StoreUnavailable>
  /** The transitions, newest first. */
  readonly history: (filter?: HistoryFilter) => Effect.Effect<ReadonlyArray<Transition>, StoreUnavailable>
  /** A key's effective state as stored now: its own row ∪ every matching wildcard row, and the deciding rule. */
  readonly effective: (domain: Domain, key: ActivityKey) => Effect.Effect<EffectiveState, StoreUnavailable>
}
