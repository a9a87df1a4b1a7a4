/**
 * ActivityStore: the durable `(domain, key) → {paused, draining, note, …}` state, its append-only
 * history and a change feed the supervisor follows (DESIGN §2, §3).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ActivityEntry, ActivityState, EffectiveState, Transition } from "./Domain/Activity.js"
import type { ActivityKey } from "./Domain/ActivityKey.js"
import type { Domain } from "./Domain/Domain.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import type { InstanceReport } from "./Domain/Instance.js"
import { makeMemoryStore } from "./ActivityStore/MemoryStore.js"
import { makeSqliteStore } from "./ActivityStore/Sqlite.js"
import type { SqliteOptions } from "./ActivityStore/Sqlite.js"
import type { TransitionRequest } from "./ActivityStore/Rules.js"

export type { TransitionRequest } from "./ActivityStore/Rules.js"
export type { SqliteOptions } from "./ActivityStore/Sqlite.js"

export interface ListFilter {
  readonly domain?: Domain | undefined
  /** Keep rows whose own state (expired rows read as `accepting`) is this. */
  readonly state?: ActivityState | undefined
}

export interface HistoryFilter {
  readonly domain?: Domain | undefined
  readonly key?: ActivityKey | undefined
  /** Newest first, at most this many (default 100). */
  readonly limit?: number | undefined
}

/** What a transition did: the row before and after (`null` = default state, no row) and the history rows written. */
export interface TransitionResult {
  readonly before: ActivityEntry | null
  readonly after: ActivityEntry | null
  /** The history row, or `null` for a preview (dry run). */
  readonly transition: Transition | null
  /** When the row had expired, the `expired` history row recorded before the transition. */
  readonly expired: Transition | null
  /** The change-feed sequence number that includes this transition (0 for a preview). */
  readonly seq: number
}

/** Keys changed since a sequence number, with their current rows (`null` = no row). */
export interface ChangeBatch {
  /** The sequence number to ask from next time. */
  readonly seq: number
  /** `true` when the feed could not say what changed (pruned or replaced store): `changed` is then the whole state. */
  readonly reset: boolean
  readonly changed: ReadonlyArray<{ readonly domain: Domain; readonly key: ActivityKey; readonly entry: ActivityEntry | null }>
}

/** The whole state at one change-feed sequence number. */
export interface StoreSnapshot {
  readonly seq: number
  readonly entries: ReadonlyArray<ActivityEntry>
}

export interface ActivityStoreService {
  /** A description of the store for messages (`sqlite:/abs/path`, `memory`). */
  readonly describe: string
  /** The file whose changes a watcher can follow, or `null`. */
  readonly file: string | null
  /**
   * Changes whenever the state may have changed (a commit by any connection); cheap enough to poll.
   * On SQLite: `PRAGMA data_version` plus this process's own write count.
   */
  readonly changeToken: Effect.Effect<string, StoreUnavailable>
  /** Every row, and the change-feed sequence number they are current at, in one read. */
  readonly snapshot: Effect.Effect<StoreSnapshot, StoreUnavailable>
  readonly get: (domain: Domain, key: ActivityKey) => Effect.Effect<ActivityEntry | null, StoreUnavailable>
  readonly list: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<ActivityEntry>, StoreUnavailable>
  /** The key's own row ∪ matching wildcard rows, and the rule that decided. */
  readonly effective: (domain: Domain, key: ActivityKey) => Effect.Effect<EffectiveState, StoreUnavailable>
  /** One write-first transaction: the row and its history row (and an `expired` row first when due). */
  readonly transition: (request: TransitionRequest) => Effect.Effect<TransitionResult, StoreUnavailable>
  /** What `transition` would do, writing nothing. */
  readonly preview: (request: TransitionRequest) => Effect.Effect<TransitionResult, StoreUnavailable>
  readonly history: (filter?: HistoryFilter) => Effect.Effect<ReadonlyArray<Transition>, StoreUnavailable>
  readonly changesSince: (seq: number) => Effect.Effect<ChangeBatch, StoreUnavailable>
  /** Record `expired` for every row whose expiry has passed and delete it; returns what was recorded. */
  readonly expireDue: Effect.Effect<ReadonlyArray<Transition>, StoreUnavailable>
  /** Insert or replace this process's instance row. */
  readonly publishInstance: (report: InstanceReport) => Effect.Effect<void, StoreUnavailable>
  readonly removeInstance: (id: string) => Effect.Effect<void, StoreUnavailable>
  /** Every registered instance, stale ones included (the reader decides what is stale). */
  readonly instances: Effect.Effect<ReadonlyArray<InstanceReport>, StoreUnavailable>
}

export class ActivityStore extends Context.Tag("oneiric/ActivityStore")<ActivityStore, ActivityStoreService>() {
  /** The embedded default: a SQLite file (WAL, busy_timeout, synchronous=NORMAL), migrated in place. */
  static layerSqlite = (options: SqliteOptions): Layer.Layer<ActivityStore, StoreUnavailable> =>
    Layer.scoped(ActivityStore, makeSqliteStore(options))

  /** Same contract, no file: for tests and embedding apps that need no durability. */
  static layerMemory: Layer.Layer<ActivityStore> = Layer.effect(ActivityStore, makeMemoryStore)
}
