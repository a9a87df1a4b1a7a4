/**
 * ActivityStore: the durable `(domain, key) → {paused, draining, note, …}` state, its append-only
 * history and a change feed the supervisor follows (DESIGN §2, §3).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { migrateSqlite } from "./ActivityStore/Migrate.js"
import type { MigrationOutcome } from "./ActivityStore/Migrate.js"
import { makeMemoryStore } from "./ActivityStore/MemoryStore.js"
import type { PostgresOptions } from "./Domain/Store.js"
import { makeSqliteStore } from "./ActivityStore/Sqlite.js"
import type { SqliteOptions } from "./ActivityStore/Sqlite.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import type { ActivityStoreService } from "./Domain/Store.js"

export type { MigrationOutcome } from "./ActivityStore/Migrate.js"
export type { PostgresOptions } from "./Domain/Store.js"
export type { SqliteOptions } from "./ActivityStore/Sqlite.js"
export type {
  ActivityStoreService, ChangeBatch, ChangedKey, HistoryFilter, KeyLength, ListFilter, StoreSignal, StoreSnapshot,
  TransitionRequest,
  TransitionResult
} from "./Domain/Store.js"

/** The PostgreSQL store's module, loaded on first use: processes on SQLite never load the driver. */
const postgres = Effect.promise(() => import("./ActivityStore/Postgres.js"))

export class ActivityStore extends Context.Tag("oneiric/ActivityStore")<ActivityStore, ActivityStoreService>() {
  /** The embedded default: a SQLite file (WAL, busy_timeout, synchronous=NORMAL), migrated in place. */
  static layerSqlite = (options: SqliteOptions): Layer.Layer<ActivityStore, StoreUnavailable> =>
    Layer.scoped(ActivityStore, makeSqliteStore(options))

  /**
   * One store shared by every replica: PostgreSQL, in a schema of its own (default `oneiric`),
   * migrated on open under an advisory lock; commits are pushed to every follower (LISTEN/NOTIFY).
   */
  static layerPostgres = (options: PostgresOptions): Layer.Layer<ActivityStore, StoreUnavailable> =>
    Layer.scoped(ActivityStore, Effect.flatMap(postgres, (module) => module.makePostgresStore(options)))

  /**
   * Migrate a store's schema now (what `oneiric migrate` does): `postgres://…` URLs and SQLite file
   * paths, as `ONEIRIC_ACTIVITY_STORE` takes them. Says which migrations this run applied.
   */
  static migrate = (store: { readonly kind: "sqlite" | "postgres"; readonly location: string }): Effect.Effect<MigrationOutcome, StoreUnavailable> =>
    store.kind === "postgres"
      ? Effect.flatMap(postgres, (module) => module.migratePostgres({ url: store.location }))
      : migrateSqlite(store.location)

  /** Same contract, no file: for tests and embedding apps that need no durability. */
  static layerMemory: Layer.Layer<ActivityStore> = Layer.effect(ActivityStore, makeMemoryStore)
}
