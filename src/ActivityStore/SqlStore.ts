/**
 * The ActivityStore over `@effect/sql`'s SqlClient. The queries are portable SQL (SQLite and
 * PostgreSQL); only the client layer and the migrations are SQLite-specific.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ActivityEntry, TransitionAction } from "../Domain/Activity.js"
import type { Domain } from "../Domain/Domain.js"
import { errorMessage, StoreUnavailable } from "../Domain/Errors.js"
import { InflightJson, InstanceReport } from "../Domain/Instance.js"
import { WRITING_TABLE } from "./Migrations.js"
import { activityColumns, historyColumns, isDomain, makeInterner, storedKey, toEntry, toTransition } from "./Rows.js"
import type { ActivityRow, HistoryRow, RecordedRow } from "./Rows.js"
import { byDomainThenKey, changesRow, listedState, nextRow, recordedRow, rowId } from "../Domain/Rules.js"
import { resetBatch } from "../Domain/Store.js"
import type { ActivityStoreService, ChangeBatch, TransitionRequest, TransitionResult } from "../Domain/Store.js"

/** How many change-feed rows to keep; a supervisor further behind than this reloads everything. */
export const CHANGES_KEPT = 10_000
/** The feed is pruned on every this-many-th history row, not on every write. */
export const PRUNE_EVERY = 100

const entries = (rows: ReadonlyArray<ActivityRow>) => {
  const intern = makeInterner()
  return rows.flatMap((row) => toEntry(row, intern) ?? [])
}

interface InstanceRow {
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

const toInstance = (row: InstanceRow) =>
  new InstanceReport({
    id: row.id,
    pid: Number(row.pid),
    host: row.host,
    startedAt: DateTime.unsafeMake(Number(row.started_at)),
    heartbeatAt: DateTime.unsafeMake(Number(row.heartbeat_at)),
    heartbeatIntervalMs: Number(row.heartbeat_interval_ms),
    appliedSeq: Number(row.applied_seq),
    // A row another version wrote in a shape this one does not know reports nothing in flight.
    inflight: Option.getOrElse(decodeInflight(row.inflight), () => [])
  })

export const makeSqlStore = (describe: string, file: string | null) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // `PRAGMA data_version` moves on commits by other connections only: count our own writes too.
    let ownWrites = 0

    const unavailable = (operation: string) => (error: SqlError) =>
      new StoreUnavailable({ store: describe, message: `${operation} failed on ${describe}: ${errorMessage(error)}` })

    const selectRow = (domain: string, key: string) =>
      Effect.map(
        sql<ActivityRow>`SELECT * FROM activity WHERE domain = ${domain} AND key = ${key}`,
        (rows) => (rows.length > 0 ? toEntry(rows[0]!) ?? null : null)
      )

    const writeRow = (before: ActivityEntry | null, after: ActivityEntry | null) => {
      if (after === null) {
        return before === null ? Effect.void : sql`DELETE FROM activity WHERE domain = ${before.domain} AND key = ${before.key}`
      }
      const { domain: _, key: __, ...values } = activityColumns(after)
      // UPDATE-then-INSERT instead of an upsert: a table created by the original may lack the unique key.
      return before === null
        ? sql`INSERT INTO activity ${sql.insert(activityColumns(after))}`
        : sql`UPDATE activity SET ${sql.update(values)} WHERE domain = ${after.domain} AND key = ${after.key}`
    }

    const appendHistory = (row: RecordedRow, action: TransitionAction, at: DateTime.Utc, actor: string | null, source: string | null) =>
      Effect.map(
        // The feed row of this transition was added by the trigger on the activity write before
        // this statement, so its head is the transition's feed position: no separate query.
        sql<HistoryRow>`INSERT INTO activity_history ${sql.insert(historyColumns(row, action, DateTime.toEpochMillis(at), actor, source))}
          RETURNING *, (SELECT MAX(seq) FROM activity_changes) AS head`,
        (rows) => ({ transition: toTransition(rows[0]!), head: Number(rows[0]!.head ?? 0) })
      )

    /** Expire `row` if due: delete it and record `expired`. Runs inside a write transaction. */
    const expireRow = (row: ActivityEntry, now: DateTime.Utc) =>
      Effect.zipRight(
        sql`DELETE FROM activity WHERE domain = ${row.domain} AND key = ${row.key}`,
        Effect.map(appendHistory({ ...row, paused: false, draining: false }, "expired", now, "system", "expiry"), (r) => r.transition)
      )

    // The first statement of every write transaction is a write, so SQLite takes the write lock at
    // BEGIN time instead of failing a read-then-write upgrade with SQLITE_BUSY_SNAPSHOT. On SQLite it
    // is the mark that tells the legacy-attribution triggers (migration 0006) the write is ours.
    const [begin, end] = sql.onDialectOrElse({
      sqlite: () => [sql`INSERT OR REPLACE INTO ${sql(WRITING_TABLE)} (writing) VALUES (1)`, sql`DELETE FROM ${sql(WRITING_TABLE)}`] as const,
      orElse: () => [sql`UPDATE activity SET paused = paused WHERE 0`, Effect.void] as const
    })
    const writeTransaction = <A, E, R>(body: Effect.Effect<A, E, R>) =>
      sql.withTransaction(Effect.zipRight(begin, Effect.zipLeft(body, end)))

    const plan = (request: TransitionRequest) =>
      Effect.gen(function*() {
        const now = yield* DateTime.now
        const stored = yield* selectRow(request.domain, request.key)
        const due = stored !== null && stored.isExpired(now)
        const before = due ? null : stored
        return { now, stored, due, before, after: nextRow(before, request, now) }
      })

    const transition = (request: TransitionRequest) =>
      writeTransaction(Effect.gen(function*() {
        const { after, before, due, now, stored } = yield* plan(request)
        const expired = due ? yield* expireRow(stored!, now) : null
        if (!changesRow(before, after)) {
          return { before, after: before, changed: false, transition: null, expired, seq: yield* head } satisfies TransitionResult
        }
        yield* writeRow(before, after)
        const written = yield* appendHistory(recordedRow(request, before, after), request.action, now, request.actor, request.source)
        // Prune the feed now and then (every 100th history row, whichever process writes it), not on every write.
        if (written.transition.seq % PRUNE_EVERY === 0) {
          yield* sql`DELETE FROM activity_changes WHERE seq <= ${written.head - CHANGES_KEPT}`
        }
        return { before, after, changed: true, transition: written.transition, expired, seq: written.head } satisfies TransitionResult
      })).pipe(
        Effect.ensuring(Effect.sync(() => void ownWrites++)),
        Effect.mapError(unavailable(`${request.action} ${request.domain}/${request.key}`))
      )

    const preview = (request: TransitionRequest) =>
      plan(request).pipe(
        Effect.map(({ after, before }): TransitionResult => {
          const changed = changesRow(before, after)
          return { before, after: changed ? after : before, changed, transition: null, expired: null, seq: 0 }
        }),
        Effect.mapError(unavailable("preview"))
      )

    const head = Effect.map(sql<{ head: number | null }>`SELECT MAX(seq) AS head FROM activity_changes`, (rows) => Number(rows[0]?.head ?? 0))

    const changesSince = (seq: number) =>
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
      })).pipe(Effect.mapError(unavailable("reading changes")))

    const instanceRow = (report: InstanceReport) => ({
      id: report.id,
      pid: report.pid,
      host: report.host,
      started_at: DateTime.toEpochMillis(report.startedAt),
      heartbeat_at: DateTime.toEpochMillis(report.heartbeatAt),
      heartbeat_interval_ms: report.heartbeatIntervalMs,
      applied_seq: report.appliedSeq,
      inflight: encodeInflight(report.inflight)
    })

    const service: ActivityStoreService = {
      describe,
      file,
      changeToken: sql<{ data_version: number }>`PRAGMA data_version`.pipe(
        Effect.map((rows) => `${rows[0]?.data_version ?? 0}:${ownWrites}`),
        Effect.mapError(unavailable("checking for changes"))
      ),
      snapshot: sql.withTransaction(Effect.all({ seq: head, entries: Effect.map(sql<ActivityRow>`SELECT * FROM activity`, entries) })).pipe(
        Effect.mapError(unavailable("loading the state"))
      ),
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
        const due = entries(yield* sql<ActivityRow>`SELECT * FROM activity WHERE expires_at IS NOT NULL AND expires_at <= ${DateTime.toEpochMillis(now)}`)
        if (due.length === 0) return []
        return yield* writeTransaction(Effect.forEach(due, (row) =>
          // Re-read inside the write lock: another process may have expired or changed it meanwhile.
          Effect.flatMap(selectRow(row.domain, row.key), (current) =>
            current !== null && current.isExpired(now) ? Effect.map(expireRow(current, now), (t) => [t]) : Effect.succeed([]))
        )).pipe(Effect.map((ts) => ts.flat()))
      }).pipe(Effect.ensuring(Effect.sync(() => void ownWrites++)), Effect.mapError(unavailable("expiring rows"))),
      publishInstance: (report) => {
        const row = instanceRow(report)
        const { id: _, ...changes } = row
        return sql`INSERT INTO oneiric_instances ${sql.insert(row)} ON CONFLICT (id) DO UPDATE SET ${sql.update(changes)}`.pipe(
          Effect.asVoid,
          Effect.mapError(unavailable("publishing this instance"))
        )
      },
      removeInstance: (id) =>
        sql`DELETE FROM oneiric_instances WHERE id = ${id}`.pipe(Effect.asVoid, Effect.mapError(unavailable("removing this instance"))),
      instances: sql<InstanceRow>`SELECT * FROM oneiric_instances ORDER BY started_at, id`.pipe(
        Effect.map((rows) => rows.map(toInstance)),
        Effect.mapError(unavailable("reading instances"))
      )
    }
    return service
  })
