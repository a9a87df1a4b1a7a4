/**
 * The portable SQL ActivityStore: every read is portable SQL over `@effect/sql`'s SqlClient, and the
 * write path (Steps.ts) is one algorithm for every engine. A `Dialect` supplies only what an engine
 * does its own way: how a write transaction is run and serialised (the lock), how a change is
 * noticed cheaply, how the write statements are spelt, and push notifications where it has them.
 * SqliteDialect.ts and PgDialect.ts are the two dialects.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Domain } from "../Domain/Domain.js"
import { errorMessage, StoreUnavailable } from "../Domain/Errors.js"
import { FinalReportJson, InflightJson, InstanceReport } from "../Domain/Instance.js"
import { byDomainThenKey, changesRow, listedState, nextRow, rowId } from "../Domain/Rules.js"
import { resetBatch } from "../Domain/Store.js"
import type {
  ActivityStoreService, ChangeBatch, ListingFilter, StoredListing, StoreSignal, StoreSnapshot, TransitionRequest, TransitionResult
} from "../Domain/Store.js"
import { isDomain, makeInterner, storedKey, toEntry, toTransition } from "./Rows.js"
import type { ActivityRow, HistoryRow } from "./Rows.js"
import { expireSteps, transitionSteps } from "./Steps.js"
import type { Steps } from "./Steps.js"

export { CHANGES_KEPT, PRUNE_EVERY } from "./Steps.js"

/** What one SQL engine does its own way; everything else is the portable store below. */
export interface Dialect {
  /** For messages: `sqlite:/abs/path`, or a URL with its password masked. */
  readonly describe: string
  readonly file: string | null
  readonly shared: boolean
  /** Runs `steps` as one write transaction, serialised against every other writer of the store. */
  readonly write: <A>(steps: () => Steps<A>) => Effect.Effect<A, unknown>
  /** Changes whenever the state may have changed; cheap enough to poll. */
  readonly changeToken: Effect.Effect<string, unknown>
  /**
   * What changed since a feed position (default: the portable reads below, in one transaction). The hot
   * path of every follower: a dialect may answer it its own, cheaper way.
   */
  readonly changesSince?: ((seq: number) => Effect.Effect<ChangeBatch, unknown>) | undefined
  /** Every row and the feed position they are current at (default: two portable reads in one transaction). */
  readonly snapshot?: Effect.Effect<StoreSnapshot, unknown> | undefined
  /** Upsert of this process's instance row (default: the portable `INSERT … ON CONFLICT`). */
  readonly publishInstance?: ((row: InstanceRow) => Effect.Effect<void, unknown>) | undefined
  readonly signals?: Stream.Stream<StoreSignal> | undefined
  /** The listing read without an entry per row (`ActivityStoreService.listing`); absent: readers use `list`. */
  readonly listing?: ((filter: ListingFilter, now: number) => Effect.Effect<StoredListing | null, unknown, Scope.Scope>) | undefined
}

const entries = (rows: ReadonlyArray<ActivityRow>) => {
  const intern = makeInterner()
  return rows.flatMap((row) => toEntry(row, intern) ?? [])
}

export type InstanceRow = {
  readonly id: string
  readonly pid: number
  readonly host: string
  readonly started_at: number
  readonly heartbeat_at: number
  readonly heartbeat_interval_ms: number
  readonly applied_seq: number
  readonly inflight: string
}

const encodeInflight = Schema.encodeSync(InflightJson)
const decodeInflight = Schema.decodeUnknownOption(InflightJson)
const encodeFinal = Schema.encodeSync(FinalReportJson)
const decodeFinal = Schema.decodeUnknownOption(FinalReportJson)

/**
 * The `inflight` column: the counts as every version reads them, or — in a final report — an object that also
 * says when the process stopped and what it interrupted (kept in this column, so no migration is needed).
 */
const inflightColumn = (report: InstanceReport): string =>
  report.stoppedAt === null
    ? encodeInflight(report.inflight)
    : encodeFinal({ inflight: report.inflight, stoppedAt: DateTime.toEpochMillis(report.stoppedAt), interrupted: report.interrupted })

const fromInflightColumn = (text: string) =>
  Option.match(decodeInflight(text), {
    onSome: (inflight) => ({ inflight, stoppedAt: null, interrupted: [] }),
    // A row another version wrote in a shape this one does not know reports nothing in flight.
    onNone: () =>
      Option.match(decodeFinal(text), {
        onSome: (final) => ({ inflight: final.inflight, stoppedAt: DateTime.unsafeMake(final.stoppedAt), interrupted: final.interrupted }),
        onNone: () => ({ inflight: [], stoppedAt: null, interrupted: [] })
      })
  })

const toInstance = (row: InstanceRow) =>
  new InstanceReport({
    id: row.id,
    pid: Number(row.pid),
    host: row.host,
    startedAt: DateTime.unsafeMake(Number(row.started_at)),
    heartbeatAt: DateTime.unsafeMake(Number(row.heartbeat_at)),
    heartbeatIntervalMs: Number(row.heartbeat_interval_ms),
    appliedSeq: Number(row.applied_seq),
    ...fromInflightColumn(row.inflight)
  })

const instanceRow = (report: InstanceReport): InstanceRow => ({
  id: report.id,
  pid: report.pid,
  host: report.host,
  started_at: DateTime.toEpochMillis(report.startedAt),
  heartbeat_at: DateTime.toEpochMillis(report.heartbeatAt),
  heartbeat_interval_ms: report.heartbeatIntervalMs,
  applied_seq: report.appliedSeq,
  inflight: inflightColumn(report)
})

export const makeSqlStore = (dialect: Dialect) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { describe } = dialect

    const unavailable = (operation: string) => (error: unknown) =>
      new StoreUnavailable({ store: describe, message: `${operation} failed on ${describe}: ${errorMessage(error)}` })

    const selectRow = (domain: string, key: string) =>
      Effect.map(
        sql<ActivityRow>`SELECT * FROM activity WHERE domain = ${domain} AND key = ${key}`,
        (rows) => (rows.length > 0 ? toEntry(rows[0]!) ?? null : null)
      )

    const head = Effect.map(sql<{ head: number | null }>`SELECT MAX(seq) AS head FROM activity_changes`, (rows) => Number(rows[0]?.head ?? 0))

    const transition = (request: TransitionRequest) =>
      Effect.flatMap(DateTime.now, (now) => dialect.write(() => transitionSteps(request, now))).pipe(
        Effect.mapError(unavailable(`${request.action} ${request.domain}/${request.key}`))
      )

    const preview = (request: TransitionRequest) =>
      Effect.gen(function*() {
        const now = yield* DateTime.now
        const stored = yield* selectRow(request.domain, request.key)
        const before = stored !== null && stored.isExpired(now) ? null : stored
        const after = nextRow(before, request, now)
        const changed = changesRow(before, after)
        return { before, after: changed ? after : before, changed, transition: null, expired: null, seq: 0 } satisfies TransitionResult
      }).pipe(Effect.mapError(unavailable("preview")))

    const portableChangesSince = (seq: number) =>
      sql.withTransaction(Effect.gen(function*() {
        // Two subqueries, not `SELECT MAX(seq), MIN(seq)`: together the aggregates scan the table; apart each is one index probe.
        const [bounds] = yield* sql<{ head: number | null; tail: number | null }>`
          SELECT (SELECT MAX(seq) FROM activity_changes) AS head, (SELECT MIN(seq) FROM activity_changes) AS tail`
        const head = Number(bounds?.head ?? 0)
        const tail = Number(bounds?.tail ?? 0)
        if (head === seq) return { seq, reset: false, changed: [] } satisfies ChangeBatch
        if (seq > head || (tail > 0 && seq < tail - 1)) {
          return resetBatch({ seq: head, entries: entries(yield* sql<ActivityRow>`SELECT * FROM activity`) })
        }
        const keys = yield* sql<{ domain: string; key: string }>`
          SELECT DISTINCT domain, key FROM activity_changes WHERE seq > ${seq} AND seq <= ${head}`
        // Read after the head (each statement may see a newer state on an engine without snapshot reads):
        // a row newer than `head` is applied early and read again next time, never missed.
        const rows = entries(yield* sql<ActivityRow>`
          SELECT a.* FROM activity a JOIN (SELECT DISTINCT domain, key FROM activity_changes WHERE seq > ${seq} AND seq <= ${head}) c
          ON a.domain = c.domain AND a.key = c.key`)
        const found = new Map(rows.map((entry) => [rowId(entry.domain, entry.key), entry]))
        const changed = keys.filter((k): k is { domain: Domain; key: string } => isDomain(k.domain)).map((k) => ({
          domain: k.domain,
          key: storedKey(k.key),
          entry: found.get(rowId(k.domain, k.key)) ?? null
        }))
        return { seq: head, reset: false, changed } satisfies ChangeBatch
      }))
    const changesSince = (seq: number) => (dialect.changesSince ?? portableChangesSince)(seq).pipe(Effect.mapError(unavailable("reading changes")))

    // The head first, then the rows: rows at least as new as the position they are reported at.
    const snapshot = dialect.snapshot ?? sql.withTransaction(Effect.all({ seq: head, entries: Effect.map(sql<ActivityRow>`SELECT * FROM activity`, entries) }))

    // Most sweeps find nothing: a lock-free look first, so idle replicas never queue for the write lock.
    const anyDue = (at: number) =>
      Effect.map(sql<{ due: number }>`SELECT 1 AS due FROM activity WHERE expires_at IS NOT NULL AND expires_at <= ${at} LIMIT 1`, (rows) => rows.length > 0)

    const publishInstance = dialect.publishInstance ?? ((row: InstanceRow) => {
      const { id: _, ...changes } = row
      return sql`INSERT INTO oneiric_instances ${sql.insert(row)} ON CONFLICT (id) DO UPDATE SET ${sql.update(changes)}`
    })

    const service: ActivityStoreService = {
      describe,
      file: dialect.file,
      shared: dialect.shared,
      signals: dialect.signals,
      changeToken: dialect.changeToken.pipe(Effect.mapError(unavailable("checking for changes"))),
      snapshot: snapshot.pipe(Effect.mapError(unavailable("loading the state"))),
      get: (domain, key) => selectRow(domain, key).pipe(Effect.mapError(unavailable("get"))),
      keys: (domain, length) =>
        (length === undefined
          ? sql<{ key: string }>`SELECT key FROM activity WHERE domain = ${domain}`
          : sql<{ key: string }>`SELECT key FROM activity WHERE domain = ${domain} AND length(key) BETWEEN ${length.min} AND ${length.max}`
        ).pipe(Effect.map((rows) => rows.map((row) => storedKey(row.key))), Effect.mapError(unavailable("keys"))),
      list: (filter) =>
        Effect.gen(function*() {
          const rows = filter?.domain === undefined
            ? yield* sql<ActivityRow>`SELECT * FROM activity`
            : yield* sql<ActivityRow>`SELECT * FROM activity WHERE domain = ${filter.domain}`
          const now = yield* DateTime.now
          return entries(rows)
            .filter((row) => filter?.state === undefined || listedState(row, now) === filter.state)
            .sort(byDomainThenKey)
        }).pipe(Effect.mapError(unavailable("list"))),
      listing: dialect.listing === undefined
        ? undefined
        : (filter, now) => dialect.listing!(filter, now).pipe(Effect.mapError(unavailable("list"))),
      transition,
      preview,
      history: (filter) => {
        const limit = filter?.limit ?? 100
        const where = sql.and([
          ...(filter?.domain !== undefined ? [sql`domain = ${filter.domain}`] : []),
          ...(filter?.key !== undefined ? [sql`key = ${filter.key}`] : [])
        ])
        return sql<HistoryRow>`SELECT * FROM activity_history WHERE ${where} ORDER BY seq DESC LIMIT ${limit}`.pipe(
          Effect.map((rows) => rows.filter((row) => isDomain(row.domain)).map(toTransition)),
          Effect.mapError(unavailable("history"))
        )
      },
      changesSince,
      expireDue: Effect.gen(function*() {
        const now = yield* DateTime.now
        if (!(yield* anyDue(DateTime.toEpochMillis(now)))) return []
        return yield* dialect.write(() => expireSteps(now))
      }).pipe(Effect.mapError(unavailable("expiring rows"))),
      publishInstance: (report) => publishInstance(instanceRow(report)).pipe(Effect.asVoid, Effect.mapError(unavailable("publishing this instance"))),
      removeInstance: (id) =>
        sql`DELETE FROM oneiric_instances WHERE id = ${id}`.pipe(Effect.asVoid, Effect.mapError(unavailable("removing this instance"))),
      instances: sql<InstanceRow>`SELECT * FROM oneiric_instances ORDER BY started_at, id`.pipe(
        Effect.map((rows) => rows.map(toInstance)),
        Effect.mapError(unavailable("reading instances"))
      )
    }
    return service
  })
