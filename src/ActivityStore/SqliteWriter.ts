/**
 * The SQLite write path of `transition`: one synchronous better-sqlite3 `BEGIN IMMEDIATE`
 * transaction on a connection of its own. Through @effect/sql each of a transition's six statements
 * costs 25–40 µs of fiber, span and scope overhead; here the whole transaction is one call, which is
 * what makes thousands of transitions per second possible. Same semantics as the portable
 * `SqlStore.transition` (the shared Rules decide; the contract tests run against this path).
 */
import Database from "better-sqlite3"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type { ActivityEntry, Transition, TransitionAction } from "../Domain/Activity.js"
import { errorMessage, StoreUnavailable } from "../Domain/Errors.js"
import { activityColumns, historyColumns, makeInterner, toEntry, toTransition } from "./Rows.js"
import type { ActivityRow, HistoryRow, RecordedRow } from "./Rows.js"
import { changesRow, nextRow, recordedRow } from "../Domain/Rules.js"
import type { StoreSnapshot, TransitionRequest, TransitionResult } from "../Domain/Store.js"
import { WRITING_TABLE } from "./Migrations.js"
import { CHANGES_KEPT, PRUNE_EVERY } from "./SqlStore.js"

export interface SqliteWriter {
  readonly transition: (request: TransitionRequest) => Effect.Effect<TransitionResult, StoreUnavailable>
  /**
   * Also synchronous, so no write transaction of this process ever spans an await: one that did
   * would hold the lock while the other connection here waits synchronously for it.
   */
  readonly expireDue: Effect.Effect<ReadonlyArray<Transition>, StoreUnavailable>
  /**
   * Every row, streamed row by row inside one read transaction: loading 100,000 keys never holds
   * 100,000 raw rows next to the entries made from them (the peak is what RSS keeps afterwards).
   */
  readonly snapshot: Effect.Effect<StoreSnapshot, StoreUnavailable>
}

/** The connection and its prepared statements, opened on first use: `activity` never needs them. */
const openNative = (filename: string, busyTimeoutMs: number) => {
  const db = new Database(filename, { timeout: busyTimeoutMs })
  db.pragma("synchronous = NORMAL")
  const select = db.prepare<[string, string], ActivityRow>("SELECT * FROM activity WHERE domain = ? AND key = ?")
  const remove = db.prepare<[string, string]>("DELETE FROM activity WHERE domain = ? AND key = ?")
  const insert = db.prepare(
    "INSERT INTO activity (domain, key, paused, draining, note, updated_at, updated_by, source, expires_at) VALUES (@domain, @key, @paused, @draining, @note, @updated_at, @updated_by, @source, @expires_at)"
  )
  // UPDATE-then-INSERT instead of an upsert: a table created by the original may lack the unique key.
  const update = db.prepare(
    "UPDATE activity SET paused = @paused, draining = @draining, note = @note, updated_at = @updated_at, updated_by = @updated_by, source = @source, expires_at = @expires_at WHERE domain = @domain AND key = @key"
  )
  // The feed row of this write was added by the activity trigger already: its head is our position.
  const history = db.prepare<[Record<string, unknown>], HistoryRow & { head: number }>(
    "INSERT INTO activity_history (at, domain, key, action, paused, draining, note, actor, source, expires_at) VALUES (@at, @domain, @key, @action, @paused, @draining, @note, @actor, @source, @expires_at) RETURNING *, (SELECT MAX(seq) FROM activity_changes) AS head"
  )
  const prune = db.prepare<[number]>("DELETE FROM activity_changes WHERE seq <= ?")
  // Held for the length of each write transaction, so the legacy-attribution triggers leave our writes alone.
  const markWriting = db.prepare(`INSERT OR REPLACE INTO ${WRITING_TABLE} (writing) VALUES (1)`)
  const unmarkWriting = db.prepare(`DELETE FROM ${WRITING_TABLE}`)
  /** `body` as one of our writes: a failure rolls the mark back with the rest. */
  const ours = <A extends ReadonlyArray<unknown>, R>(body: (...args: A) => R) => (...args: A): R => {
    markWriting.run()
    const result = body(...args)
    unmarkWriting.run()
    return result
  }
  const due = db.prepare<[number], ActivityRow>("SELECT * FROM activity WHERE expires_at IS NOT NULL AND expires_at <= ?")
  const all = db.prepare<[], ActivityRow>("SELECT * FROM activity")
  const head = db.prepare<[], { head: number | null }>("SELECT MAX(seq) AS head FROM activity_changes")
  const load = db.transaction((): StoreSnapshot => {
    const intern = makeInterner()
    const entries: Array<ActivityEntry> = []
    for (const row of all.iterate()) {
      const entry = toEntry(row, intern)
      if (entry !== undefined) entries.push(entry)
    }
    return { seq: Number(head.get()?.head ?? 0), entries }
  })

  const record = (row: RecordedRow, action: TransitionAction, at: number, actor: string | null, source: string | null) =>
    history.get(historyColumns(row, action, at, actor, source))!

  const apply = db.transaction(ours((request: TransitionRequest, now: DateTime.Utc): TransitionResult => {
    const at = DateTime.toEpochMillis(now)
    const found = select.get(request.domain, request.key)
    const stored = found === undefined ? null : toEntry(found) ?? null
    let expired = null
    let before = stored
    if (stored !== null && stored.isExpired(now)) {
      remove.run(stored.domain, stored.key)
      expired = toTransition(record({ ...stored, paused: false, draining: false }, "expired", at, "system", "expiry"))
      before = null
    }
    const after = nextRow(before, request, now)
    if (!changesRow(before, after)) {
      return { before, after: before, changed: false, transition: null, expired, seq: Number(head.get()?.head ?? 0) }
    }
    if (after === null) {
      if (before !== null) remove.run(before.domain, before.key)
    } else if (before === null) insert.run(activityColumns(after))
    else update.run(activityColumns(after))
    const written = record(recordedRow(request, before, after), request.action, at, request.actor, request.source)
    if (written.seq % PRUNE_EVERY === 0) prune.run(written.head - CHANGES_KEPT)
    return { before, after, changed: true, transition: toTransition(written), expired, seq: Number(written.head) }
  }))

  const expire = db.transaction(ours((now: DateTime.Utc): ReadonlyArray<Transition> => {
    const at = DateTime.toEpochMillis(now)
    return due.all(at).flatMap((row) => {
      const entry = toEntry(row)
      if (entry === undefined) return []
      remove.run(entry.domain, entry.key)
      return [toTransition(record({ ...entry, paused: false, draining: false }, "expired", at, "system", "expiry"))]
    })
  }))

  return { db, apply, expire, load }
}

export const makeSqliteWriter = (filename: string, busyTimeoutMs: number, describe: string) =>
  Effect.gen(function*() {
    let native: ReturnType<typeof openNative> | undefined
    yield* Effect.addFinalizer(() => Effect.sync(() => native?.db.close()))
    const use = <A>(what: string, f: (n: ReturnType<typeof openNative>) => A) =>
      Effect.try({
        try: () => f(native ??= openNative(filename, busyTimeoutMs)),
        catch: (cause) => new StoreUnavailable({ store: describe, message: `${what} failed on ${describe}: ${errorMessage(cause)}` })
      })
    const writer: SqliteWriter = {
      snapshot: use("loading the state", (n) => n.load.deferred()),
      expireDue: Effect.flatMap(DateTime.now, (now) => use("expiring rows", (n) => n.expire.immediate(now))),
      transition: (request) =>
        Effect.flatMap(DateTime.now, (now) => use(`${request.action} ${request.domain}/${request.key}`, (n) => n.apply.immediate(request, now)))
    }
    return writer
  })
