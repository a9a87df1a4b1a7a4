/**
 * The SQLite dialect of the portable store. Writes run synchronously on a better-sqlite3 connection
 * of their own, each in one `BEGIN IMMEDIATE` transaction (the lock is taken at BEGIN, so a
 * read-then-write never fails with SQLITE_BUSY_SNAPSHOT): through @effect/sql each of a transition's
 * statements costs 25–40 µs of fiber, span and scope overhead, here the whole transaction is one
 * call, which is what makes thousands of transitions per second possible. A change is noticed
 * through `PRAGMA data_version`; the state is loaded by streaming rows in one read transaction.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import Database from "better-sqlite3"
import * as Effect from "effect/Effect"
import type { ActivityEntry } from "../Domain/Activity.js"
import type { StoreSnapshot } from "../Domain/Store.js"
import { makeInterner, toEntry } from "./Rows.js"
import { makeListing } from "./SqliteListing.js"
import type { ActivityRow, HistoryRow } from "./Rows.js"
import { WRITING_TABLE } from "./Migrations.js"
import type { Dialect } from "./SqlStore.js"
import { runSync } from "./Steps.js"
import type { Steps, SyncStatements } from "./Steps.js"

/** The connection and its prepared statements, opened on first use: `activity` never needs them. */
const openNative = (filename: string, busyTimeoutMs: number) => {
  const db = new Database(filename, { timeout: busyTimeoutMs })
  db.pragma("synchronous = NORMAL")
  const select = db.prepare<[string, string], ActivityRow>("SELECT * FROM activity WHERE domain = ? AND key = ?")
  const remove = db.prepare<[string, string]>("DELETE FROM activity WHERE domain = ? AND key = ?")
  const insert = db.prepare(
    "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES (@domain, @key, @paused, @draining, @note, @updated_at, @updated_by, @source, @expires_at)"
  )
  // UPDATE or INSERT instead of an upsert: a table created by the original may lack the unique key.
  const update = db.prepare(
    "UPDATE activity SET paused = @paused, draining = @draining, note = @note, updated_at = @updated_at, updated_by = @updated_by, source = @source, expires_at = @expires_at WHERE domain = @domain AND key = @key"
  )
  // The feed row of this write was added by the activity trigger already: its head is our position.
  const history = db.prepare<[Record<string, unknown>], HistoryRow & { head: number }>(
    "INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at) VALUES (@at, @domain, @key, @action, @paused, @draining, @note, @actor, @source, @expires_at) RETURNING *, (SELECT MAX(seq) FROM activity_changes) AS head"
  )
  const prune = db.prepare<[number]>("DELETE FROM activity_changes WHERE seq <= ?")
  const due = db.prepare<[number], ActivityRow>("SELECT * FROM activity WHERE expires_at IS NOT NULL AND expires_at <= ?")
  const all = db.prepare<[], ActivityRow>("SELECT * FROM activity")
  const head = db.prepare<[], { head: number | null }>("SELECT MAX(seq) AS head FROM activity_changes")
  // Held for the length of each write transaction, so the legacy-attribution triggers leave our writes alone.
  const markWriting = db.prepare(`INSERT OR REPLACE INTO ${WRITING_TABLE} (writing) VALUES (1)`)
  const unmarkWriting = db.prepare(`DELETE FROM ${WRITING_TABLE}`)
  const feedHead = () => Number(head.get()?.head ?? 0)

  const statements: SyncStatements = {
    ReadRow: ({ domain, key }) => select.get(domain, key),
    ReadDue: ({ at }) => due.all(at),
    DeleteRow: ({ domain, key }) => void remove.run(domain, key),
    WriteRow: ({ exists, row }) => void (exists ? update : insert).run(row),
    RecordHistory: ({ row }) => {
      const written = history.get(row)!
      return { row: written, head: Number(written.head) }
    },
    FeedHead: feedHead,
    PruneFeed: ({ through }) => void prune.run(through)
  }

  const transaction = db.transaction((body: () => void) => body())
  const write = <A>(steps: Steps<A>): A => {
    let result!: A
    transaction.immediate(() => {
      // A failure rolls the mark back with the rest.
      markWriting.run()
      result = runSync(steps, statements)
      unmarkWriting.run()
    })
    return result
  }
  const load = db.transaction((): StoreSnapshot => {
    const intern = makeInterner()
    const entries: Array<ActivityEntry> = []
    for (const row of all.iterate()) {
      const entry = toEntry(row, intern)
      if (entry !== undefined) entries.push(entry)
    }
    return { seq: feedHead(), entries }
  })
  return { db, write, load, listing: makeListing(db) }
}

/**
 * The dialect of the SQLite file `filename` (already migrated); needs the file's SqlClient for
 * `PRAGMA data_version`. The native connection closes with the scope.
 */
export const makeSqliteDialect = (filename: string, busyTimeoutMs: number, describe: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    let native: ReturnType<typeof openNative> | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => native?.db.close()))
    const use = <A>(f: (n: ReturnType<typeof openNative>) => A) => Effect.try(() => f(native ??= openNative(filename, busyTimeoutMs)))
    const dialect: Dialect = {
      describe,
      file: filename,
      shared: false,
      // Also synchronous, so no write transaction of this process ever spans an await: one that did
      // would hold the lock while the other connection here waits synchronously for it.
      write: (steps) => use((n) => n.write(steps())),
      // Moves on every commit by another connection, the native writer's included.
      changeToken: Effect.map(sql<{ data_version: number }>`PRAGMA data_version`, (rows) => String(rows[0]?.data_version ?? 0)),
      // Row by row inside one read transaction: loading 100,000 keys never holds 100,000 raw rows
      // next to the entries made from them (the peak is what RSS keeps afterwards).
      snapshot: use((n) => n.load.deferred()),
      // One read transaction on the native connection, held until the scope closes.
      listing: (filter, now) =>
        Effect.map(
          Effect.acquireRelease(use((n) => n.listing(filter.domain, now)), (opened) => Effect.sync(opened.close)),
          (opened) => opened.listing
        )
    }
    return dialect
  })
