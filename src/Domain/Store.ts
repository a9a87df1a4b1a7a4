/**
 * The ActivityStore's contract (DESIGN §2, §3): what a store is asked and what it answers — the
 * request of a transition, its result, the change feed's batches, the filters of listings — and the
 * service interface every store layer (memory, SQLite, PostgreSQL, an app's own) implements.
 */
import type * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ActivityEntry, ActivityState, RequestAction, Source, Transition } from "./Activity.js"
import type { ActivityKey } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import type { StoreUnavailable } from "./Errors.js"
import type { InstanceReport } from "./Instance.js"

/** A requested transition of one row. */
export interface TransitionRequest {
  readonly domain: Domain
  readonly key: ActivityKey
  readonly action: RequestAction
  /** `undefined` keeps the row's note; a string replaces it. `resume` always clears it. */
  readonly note?: string | undefined
  readonly actor: string
  readonly source: Source
  /** When the row auto-resumes; `undefined` means never (a new command replaces an older expiry). */
  readonly expiresAt?: DateTime.Utc | undefined
}

/**
 * What a transition did: the row before and after (`null` = default state, no row) and the history rows
 * written. A transition that changes nothing (`changed: false`) writes nothing: `after` is `before`.
 */
export interface TransitionResult {
  readonly before: ActivityEntry | null
  readonly after: ActivityEntry | null
  /** Did the flags, the note or the expiry change? */
  readonly changed: boolean
  /** The history row, or `null` for a preview (dry run) and for a transition that changed nothing. */
  readonly transition: Transition | null
  /** When the row had expired, the `expired` history row recorded before the transition. */
  readonly expired: Transition | null
  /**
   * The change-feed position at which the row is as `after` says: the transition's own, or for one that
   * changed nothing the newest (a process that has applied it enforces the row); 0 for a preview.
   */
  readonly seq: number
}

export interface ListFilter {
  readonly domain?: Domain | undefined
  /** Keep rows whose own state (expired rows read as `accepting`) is this. */
  readonly state?: ActivityState | undefined
}

/** Which rows a listing reads. */
export interface ListingFilter {
  readonly domain?: Domain | undefined
}

/** A range of key lengths, in characters, both ends included. */
export interface KeyLength {
  readonly min: number
  readonly max: number
}

export interface HistoryFilter {
  readonly domain?: Domain | undefined
  readonly key?: ActivityKey | undefined
  /** Newest first, at most this many (default 100). */
  readonly limit?: number | undefined
}

/** One key the change feed reports, with its current row (`null` = no row). */
export interface ChangedKey {
  readonly domain: Domain
  readonly key: ActivityKey
  readonly entry: ActivityEntry | null
}

/**
 * The store behind a path is another file now (a backup restored by rename, a file recreated after a
 * deletion, a damaged file restored): the new file was opened and verified (schema at the expected
 * version, `PRAGMA quick_check` ok) before it was handed over. Ids are the stores' identities
 * (`null`: unknown — the old file could not be read, or the store has none).
 */
export interface StoreReplacement {
  readonly previousId: string | null
  readonly currentId: string | null
  /** Why the file was reopened: replaced at the path, or back after it was unreadable (damaged). */
  readonly reason: "replaced" | "restored"
}

/** Keys changed since a sequence number. */
export interface ChangeBatch {
  /** The sequence number to ask from next time. */
  readonly seq: number
  /** `true` when the feed could not say what changed (pruned or replaced store): `changed` is then the whole state. */
  readonly reset: boolean
  readonly changed: ReadonlyArray<ChangedKey>
  /** Set on the first batch read from a replaced store file (then `reset` is true). */
  readonly replaced?: StoreReplacement | undefined
}

/** The whole state at one change-feed sequence number. */
export interface StoreSnapshot {
  readonly seq: number
  readonly entries: ReadonlyArray<ActivityEntry>
}

/** A whole-state batch: what a reader gets when positions in the feed mean nothing (pruned feed, replaced store). */
export const resetBatch = (snapshot: StoreSnapshot): ChangeBatch => ({
  seq: snapshot.seq,
  reset: true,
  changed: snapshot.entries.map((entry) => ({ domain: entry.domain, key: entry.key, entry }))
})

/**
 * One stored row as a listing reads it, untouched: `[domain, key, paused, draining, note, updated_at,
 * updated_by, source, expires_at]`, the flags `0`/`1` and the times in epoch milliseconds. No entry is built.
 */
export type StoredRow = readonly [
  domain: Domain,
  key: string,
  paused: number,
  draining: number,
  note: string | null,
  updatedAt: number | null,
  updatedBy: string | null,
  source: string | null,
  expiresAt: number | null
]

/**
 * What a listing knows of one domain's rows before reading them: the counts of each own state (an expired
 * row counts as `accepting`).
 */
export interface DomainListingStats {
  readonly domain: Domain
  readonly entries: number
  readonly paused: number
  readonly draining: number
  readonly noteOnly: number
  readonly accepting: number
}


/**
 * Every row of a listing, read in one snapshot without building an entry per row: the statistics first,
 * then the rows, sorted by domain then key, in batches. Only for rows the store holds in its regular shape
 * (integer flags and expiry, ASCII keys); otherwise `listing` answers
 * `null` and the reader uses `list`.
 */
export interface StoredListing {
  readonly domains: ReadonlyArray<DomainListingStats>
  /** The next rows (at most `max`), or `undefined` when there are no more. */
  readonly next: (max: number) => ReadonlyArray<StoredRow> | undefined
}

/** What a store that pushes its commits (PostgreSQL LISTEN/NOTIFY) says about its listening connection. */
export type StoreSignal =
  /** Listening (again): commits from now on arrive as `Changed`; whatever happened before must be caught up. */
  | { readonly _tag: "Listening" }
  /**
   * Another commit, at this change-feed position; with the key and its row as of that position when
   * the store could say (a follower exactly one position behind may apply it without reading the feed).
   */
  | { readonly _tag: "Changed"; readonly seq: number; readonly change?: ChangedKey | undefined }
  /** The listening connection is gone; it is being reopened with backoff (polling still works, if the store answers). */
  | { readonly _tag: "Lost"; readonly error: string }

export interface ActivityStoreService {
  /** A description of the store for messages (`sqlite:/abs/path`, `memory`, a PostgreSQL URL with its password masked). */
  readonly describe: string
  /** The file whose changes a watcher can follow, or `null`. */
  readonly file: string | null
  /**
   * Other hosts use this store too (PostgreSQL): losing it is a fleet-wide event, so readiness follows the
   * `shared_store_outage` setting instead of turning every replica away at once. Absent: `false`.
   */
  readonly shared?: boolean | undefined
  /**
   * Commits by any process as they happen, for as long as the stream runs (it holds a connection of its own).
   * Absent: the store has no push, and readers poll `changeToken`.
   */
  readonly signals?: Stream.Stream<StoreSignal> | undefined
  /**
   * The identity of the store now open (a random id given at its creation, kept by its backups), or
   * `null` when it has none. Absent: the store has no identity to check (memory, PostgreSQL — which is
   * reached by URL and restored through the database itself, never by swapping a file under a process).
   */
  readonly identity?: (() => string | null) | undefined
  /**
   * Changes whenever the state may have changed (a commit by any connection); cheap enough to poll.
   * On SQLite: `PRAGMA data_version`; on PostgreSQL: the change feed's head.
   */
  readonly changeToken: Effect.Effect<string, StoreUnavailable>
  /** Every row, and the change-feed sequence number they are current at, in one read. */
  readonly snapshot: Effect.Effect<StoreSnapshot, StoreUnavailable>
  readonly get: (domain: Domain, key: ActivityKey) => Effect.Effect<ActivityEntry | null, StoreUnavailable>
  readonly list: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<ActivityEntry>, StoreUnavailable>
  /**
   * The rows of `list` (no state filter) for a report of 100,000 keys, read in one snapshot (held until the
   * scope closes) without an entry per row; `now` (epoch ms) decides which rows count as expired. Absent, or
   * `null` for rows in an irregular shape: read them with `list`.
   */
  readonly listing?: ((filter: ListingFilter, now: number) => Effect.Effect<StoredListing | null, StoreUnavailable, Scope.Scope>) | undefined
  /**
   * The stored keys of `domain` (wildcard rules included), only those of `length.min` to `length.max`
   * characters when given: what "did you mean" compares a typo with, without building 100,000 rows.
   */
  readonly keys: (domain: Domain, length?: KeyLength) => Effect.Effect<ReadonlyArray<ActivityKey>, StoreUnavailable>
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

/** What `ActivityStore.layerPostgres` takes (here, so its declarations never reach for `pg`'s types). */
export interface PostgresOptions {
  /**
   * `postgres://user:password@host:5432/database?…` (or `postgresql://`). node-postgres reads the
   * parameters: `sslmode` (`disable`, `no-verify`, `require`/`verify-full`: encrypted and verified),
   * `sslrootcert`, `application_name`, `options`, `statement_timeout`, `query_timeout`, `host=/socket/dir`…
   * One parameter is ours: `schema`.
   */
  readonly url: string
  /** The PostgreSQL schema of the tables (default: the URL's `schema` parameter, else `oneiric`). */
  readonly schema?: string | undefined
  /** At most this many pooled connections (default 4: a replica rarely uses more than two at once); the LISTEN connection is one more. */
  readonly maxConnections?: number | undefined
  /** How long to wait for a connection (default 5 s). */
  readonly connectTimeoutMs?: number | undefined
  /**
   * How long a statement may take before the client gives up on it (default 15 s): without it a
   * connection that dies silently (a network partition, no RST) would hold a transaction forever.
   */
  readonly queryTimeoutMs?: number | undefined
}
