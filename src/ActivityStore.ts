/**
 * ActivityStore: the durable `(domain, key) → {paused, draining, note, …}` state, its append-only
 * history and a change feed the supervisor follows (DESIGN §2, §3).
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import { makeMemoryStore } from "./ActivityStore/MemoryStore.js"
import { makeSqliteStore } from "./ActivityStore/Sqlite.js"
import type { SqliteOptions } from "./ActivityStore/Sqlite.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import type { ActivityStoreService } from "./Domain/Store.js"

export type { SqliteOptions } from "./ActivityStore/Sqlite.js"
export type {
  ActivityStoreService, ChangeBatch, ChangedKey, HistoryFilter, KeyLength, ListFilter, StoreSnapshot, TransitionRequest,
  TransitionResult
} from "./Domain/Store.js"

export class ActivityStore extends Context.Tag("oneiric/ActivityStore")<ActivityStore, ActivityStoreService>() {
  /** The embedded default: a SQLite file (WAL, busy_timeout, synchronous=NORMAL), migrated in place. */
  static layerSqlite = (options: SqliteOptions): Layer.Layer<ActivityStore, StoreUnavailable> =>
    Layer.scoped(ActivityStore, makeSqliteStore(options))

  /** Same contract, no file: for tests and embedding apps that need no durability. */
  static layerMemory: Layer.Layer<ActivityStore> = Layer.effect(ActivityStore, makeMemoryStore)
}
