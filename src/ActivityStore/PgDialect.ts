/**
 * The PostgreSQL dialect of the portable store.
 *
 * - **Lock**: every write transaction first takes one transaction-scoped advisory lock per schema
 *   (a session lock would land on whichever pooled connection the next statement gets). Writers are
 *   therefore serialised, so feed positions are handed out in commit order: a reader that sees
 *   position n has seen every position below it. (A `bigserial` feed read by `MAX(seq)` under
 *   concurrent writers skips rows: a slow writer's lower number becomes visible after a faster
 *   writer's higher one.) It also makes two writers of a new key queue instead of colliding.
 * - **Upsert**: `INSERT … ON CONFLICT (domain, key) DO UPDATE SET … = EXCLUDED.…`.
 * - **Change detection**: the feed's head (one index probe), plus LISTEN/NOTIFY on a dedicated
 *   connection (PgListener.ts); the feed's trigger NOTIFYs inside the writing transaction. What
 *   changed since a position is one statement (one snapshot: no transaction needed).
 * - **The hot paths on the driver**: writes (one pooled `pg` connection, awaited statement by
 *   statement, like the SQLite dialect's synchronous better-sqlite3 path), the change token, the
 *   changes and the heartbeat go to `pg` directly: through `@effect/sql` each statement costs several
 *   times the driver's own CPU, a transition holds the fleet-wide write lock while it runs, and every
 *   replica follows every change. The operator's reads go through `@effect/sql`.
 */
import * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import pg from "pg"
import { resetBatch } from "../Domain/Store.js"
import type { ChangeBatch, ChangedKey, StoreSignal } from "../Domain/Store.js"
import { isDomain, makeInterner, storedKey, toEntry } from "./Rows.js"
import type { ActivityRow, HistoryRow } from "./Rows.js"
import type { Dialect, InstanceRow } from "./SqlStore.js"
import { runAsync } from "./Steps.js"
import type { AsyncStatements, Steps } from "./Steps.js"

export interface PgDialectOptions {
  readonly schema: string
  readonly describe: string
  /** The pool `@effect/sql-pg` uses too (search_path set to the schema on every connection). */
  readonly pool: pg.Pool
  readonly signals: Stream.Stream<StoreSignal>
}

const COLUMNS = ["domain", "key", "paused", "draining", "note", "updated_at", "updated_by", "source", "expires_at"] as const
const HISTORY = ["at", "domain", "key", "action", "paused", "draining", "note", "actor", "source", "expires_at"] as const
const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ")

const SQL = {
  lock: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
  row: "SELECT * FROM activity WHERE domain = $1 AND key = $2",
  due: "SELECT * FROM activity WHERE expires_at IS NOT NULL AND expires_at <= $1 ORDER BY domain, key",
  remove: "DELETE FROM activity WHERE domain = $1 AND key = $2",
  upsert: `INSERT INTO activity (${COLUMNS.join(", ")}) VALUES (${placeholders(COLUMNS.length)})
    ON CONFLICT (domain, key) DO UPDATE SET ${COLUMNS.slice(2).map((c) => `${c} = EXCLUDED.${c}`).join(", ")}`,
  // The feed row of this write was added by the trigger, earlier in this transaction: its head is our position.
  history: `INSERT INTO activity_history (${HISTORY.join(", ")}) VALUES (${placeholders(HISTORY.length)})
    RETURNING *, (SELECT MAX(seq) FROM activity_changes) AS head`,
  head: "SELECT MAX(seq) AS head FROM activity_changes",
  prune: "DELETE FROM activity_changes WHERE seq <= $1",
  // The feed's bounds and every key changed after $1 with its row (or none), in one snapshot. Keys are
  // only looked up when $1 is inside the feed; otherwise the bounds say to reload everything.
  changes: `SELECT b.head, b.tail, c.domain AS changed_domain, c.key AS changed_key, a.*
    FROM (SELECT (SELECT MAX(seq) FROM activity_changes) AS head, (SELECT MIN(seq) FROM activity_changes) AS tail) b
    LEFT JOIN (SELECT DISTINCT domain, key FROM activity_changes WHERE seq > $1) c ON b.head > $1 AND $1 >= b.tail - 1
    LEFT JOIN activity a ON a.domain = c.domain AND a.key = c.key`,
  all: "SELECT * FROM activity"
} as const

type ChangeRow = Partial<ActivityRow> & {
  readonly head: number | null
  readonly tail: number | null
  readonly changed_domain: string | null
  readonly changed_key: string | null
}

const changesSince = async (pool: pg.Pool, seq: number): Promise<ChangeBatch> => {
  const rows = (await pool.query<ChangeRow>(SQL.changes, [seq])).rows
  const head = Number(rows[0]?.head ?? 0)
  const tail = Number(rows[0]?.tail ?? 0)
  if (head === seq) return { seq, reset: false, changed: [] }
  const intern = makeInterner()
  if (seq > head || (tail > 0 && seq < tail - 1)) {
    // Pruned past us (or another feed): the whole state, read after the head it is reported at.
    const all = (await pool.query<ActivityRow>(SQL.all)).rows
    return resetBatch({ seq: head, entries: all.flatMap((row) => toEntry(row, intern) ?? []) })
  }
  const changed: Array<ChangedKey> = []
  for (const row of rows) {
    if (row.changed_domain === null || row.changed_key === null || !isDomain(row.changed_domain)) continue
    const entry = row.domain === null || row.domain === undefined ? null : toEntry(row as ActivityRow, intern) ?? null
    changed.push({ domain: row.changed_domain, key: storedKey(row.changed_key), entry })
  }
  return { seq: head, reset: false, changed }
}

const INSTANCE = ["id", "pid", "host", "started_at", "heartbeat_at", "heartbeat_interval_ms", "applied_seq", "inflight"] as const

/**
 * This process's instance row in one round trip, committed without waiting for the WAL flush (heartbeats
 * are frequent and disposable; the row is visible to readers at once all the same). One simple-protocol
 * message, so the values are inlined as escaped literals; a failure rolls back before the connection is reused.
 */
const publishInstance = async (pool: pg.Pool, row: InstanceRow): Promise<void> => {
  const value = (column: (typeof INSTANCE)[number]) => {
    const v = row[column]
    return typeof v === "number" ? String(Math.trunc(v)) : pg.escapeLiteral(v)
  }
  const text = `BEGIN; SET LOCAL synchronous_commit TO OFF;
    INSERT INTO oneiric_instances (${INSTANCE.join(", ")}) VALUES (${INSTANCE.map(value).join(", ")})
    ON CONFLICT (id) DO UPDATE SET ${INSTANCE.slice(1).map((c) => `${c} = EXCLUDED.${c}`).join(", ")}; COMMIT`
  const client = await pool.connect()
  let lost: Error | undefined
  const onError = (error: Error) => void (lost = error)
  client.on("error", onError)
  try {
    await client.query(text)
  } catch (error) {
    await client.query("ROLLBACK").catch(() => void (lost ??= error instanceof Error ? error : new Error(String(error))))
    throw error
  } finally {
    client.off("error", onError)
    client.release(lost)
  }
}

const statementsOn = (client: pg.PoolClient): AsyncStatements => ({
  ReadRow: async ({ domain, key }) => (await client.query<ActivityRow>(SQL.row, [domain, key])).rows[0],
  ReadDue: async ({ at }) => (await client.query<ActivityRow>(SQL.due, [at])).rows,
  DeleteRow: async ({ domain, key }) => void (await client.query(SQL.remove, [domain, key])),
  WriteRow: async ({ row }) => void (await client.query(SQL.upsert, COLUMNS.map((c) => row[c]))),
  RecordHistory: async ({ row }) => {
    const [written] = (await client.query<HistoryRow & { head: number }>(SQL.history, HISTORY.map((c) => row[c]))).rows
    return { row: written!, head: Number(written!.head) }
  },
  FeedHead: async () => Number((await client.query<{ head: number | null }>(SQL.head)).rows[0]?.head ?? 0),
  PruneFeed: async ({ through }) => void (await client.query(SQL.prune, [through]))
})

/** One write transaction on a connection of its own: BEGIN, the lock, the steps, COMMIT (ROLLBACK on any failure). */
const transact = async <A>(pool: pg.Pool, lockName: string, steps: () => Steps<A>): Promise<A> => {
  const client = await pool.connect()
  // The server may end the connection between two statements: the error must not reach the process.
  let lost: Error | undefined
  const onError = (error: Error) => void (lost = error)
  client.on("error", onError)
  let broken = false
  try {
    await client.query("BEGIN")
    await client.query(SQL.lock, [lockName])
    const result = await runAsync(steps(), statementsOn(client))
    await client.query("COMMIT")
    return result
  } catch (error) {
    await client.query("ROLLBACK").catch(() => void (broken = true))
    throw lost ?? error
  } finally {
    client.off("error", onError)
    // A connection whose ROLLBACK failed (or that errored) is dropped, not reused.
    client.release(broken || lost !== undefined ? (lost ?? new Error("rollback failed")) : undefined)
  }
}

const onDriver = <A>(run: () => Promise<A>) => Effect.tryPromise({ try: run, catch: (error) => error })

export const makePgDialect = (options: PgDialectOptions): Dialect => {
  const { pool } = options
  const lockName = `${options.schema}.write`
  return {
    describe: options.describe,
    file: null,
    shared: true,
    write: (steps) => onDriver(() => transact(pool, lockName, steps)),
    changeToken: onDriver(async () => String((await pool.query<{ head: number | null }>(SQL.head)).rows[0]?.head ?? 0)),
    changesSince: (seq) => onDriver(() => changesSince(pool, seq)),
    publishInstance: (row) => onDriver(() => publishInstance(pool, row)),
    signals: options.signals
  }
}
