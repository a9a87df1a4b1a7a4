/**
 * The write path of every SQL store, written once: a transition (expire the row if due, apply the
 * request, write the row and its history row, prune the feed now and then) and the expiry sweep, as
 * a sequence of statements the dialect executes inside its own write transaction. SQLite runs the
 * steps synchronously on better-sqlite3 (a whole transition in one call, thousands per second);
 * PostgreSQL awaits them on one pooled `pg` connection. Both drive their driver directly: through
 * `@effect/sql` each statement costs a fiber, a span and a scope — several times the driver's own
 * cost — and a transition is six statements. The steps only say *what* to do; *how* — the upsert's
 * spelling, the lock, where the feed head comes from — is the dialect's.
 */
import type * as DateTime from "effect/DateTime"
import type { ActivityEntry, Transition, TransitionAction } from "../Domain/Activity.js"
import { changesRow, nextRow, recordedRow } from "../Domain/Rules.js"
import type { TransitionRequest, TransitionResult } from "../Domain/Store.js"
import { activityColumns, historyColumns, toEntry, toTransition } from "./Rows.js"
import type { ActivityColumns, ActivityRow, HistoryColumns, HistoryRow, RecordedRow } from "./Rows.js"

/** How many change-feed rows to keep; a supervisor further behind than this reloads everything. */
export const CHANGES_KEPT = 10_000
/** The feed is pruned on every this-many-th history row, not on every write. */
export const PRUNE_EVERY = 100

/** A history row just written, and the change feed's head right after it (the write's feed position). */
export interface Recorded {
  readonly row: HistoryRow
  readonly head: number
}

/** One statement of a write transaction, tagged with what it answers. */
export type Statement =
  | { readonly _tag: "ReadRow"; readonly domain: string; readonly key: string }
  | { readonly _tag: "ReadDue"; readonly at: number }
  | { readonly _tag: "DeleteRow"; readonly domain: string; readonly key: string }
  /** Store `row`; `exists` says whether a row for its key is there now (a dialect may need it to choose INSERT or UPDATE). */
  | { readonly _tag: "WriteRow"; readonly row: ActivityColumns; readonly exists: boolean }
  | { readonly _tag: "RecordHistory"; readonly row: HistoryColumns }
  | { readonly _tag: "FeedHead" }
  | { readonly _tag: "PruneFeed"; readonly through: number }

/** What each statement answers. */
export interface Answers {
  readonly ReadRow: ActivityRow | undefined
  readonly ReadDue: ReadonlyArray<ActivityRow>
  readonly DeleteRow: void
  readonly WriteRow: void
  readonly RecordHistory: Recorded
  readonly FeedHead: number
  readonly PruneFeed: void
}

type Tag = Statement["_tag"]
type StatementOf<K extends Tag> = Extract<Statement, { readonly _tag: K }>

/** A dialect's statements, each run synchronously (SQLite) or awaited (PostgreSQL). */
export type SyncStatements = { readonly [K in Tag]: (statement: StatementOf<K>) => Answers[K] }
export type AsyncStatements = { readonly [K in Tag]: (statement: StatementOf<K>) => Promise<Answers[K]> }

/** The steps of one write transaction, ending with its result. */
export type Steps<A> = Generator<Statement, A, unknown>

/** Issue one statement and get its answer (the driver feeds back exactly `Answers[K]`). */
function* issue<K extends Tag>(statement: StatementOf<K>): Generator<Statement, Answers[K], unknown> {
  return (yield statement) as Answers[K]
}

const readRow = (domain: string, key: string) => issue<"ReadRow">({ _tag: "ReadRow", domain, key })
const deleteRow = (domain: string, key: string) => issue<"DeleteRow">({ _tag: "DeleteRow", domain, key })
const record = (row: RecordedRow, action: TransitionAction, at: number, actor: string | null, source: string | null) =>
  issue<"RecordHistory">({ _tag: "RecordHistory", row: historyColumns(row, action, at, actor, source) })

/** Delete an expired row and record `expired` for it. */
function* expire(row: ActivityEntry, at: number): Steps<Transition> {
  yield* deleteRow(row.domain, row.key)
  const recorded = yield* record({ ...row, paused: false, draining: false }, "expired", at, "system", "expiry")
  return toTransition(recorded.row)
}

/** One transition: the row is read under the dialect's write lock, so concurrent writers never lose a flag. */
export function* transitionSteps(request: TransitionRequest, now: DateTime.Utc): Steps<TransitionResult> {
  const at = now.epochMillis
  const found = yield* readRow(request.domain, request.key)
  const stored = found === undefined ? null : toEntry(found) ?? null
  let expired: Transition | null = null
  let before = stored
  if (stored !== null && stored.isExpired(now)) {
    expired = yield* expire(stored, at)
    before = null
  }
  const after = nextRow(before, request, now)
  if (!changesRow(before, after)) {
    // Nothing to write: the newest feed position is where the row is as it stands.
    const head = yield* issue<"FeedHead">({ _tag: "FeedHead" })
    return { before, after: before, changed: false, transition: null, expired, seq: head }
  }
  if (after === null) yield* deleteRow(request.domain, request.key)
  else yield* issue<"WriteRow">({ _tag: "WriteRow", row: activityColumns(after), exists: before !== null })
  const written = yield* record(recordedRow(request, before, after), request.action, at, request.actor, request.source)
  // Prune the feed now and then (every 100th history row, whichever process writes it), not on every write.
  if (Number(written.row.seq) % PRUNE_EVERY === 0) yield* issue<"PruneFeed">({ _tag: "PruneFeed", through: written.head - CHANGES_KEPT })
  return { before, after, changed: true, transition: toTransition(written.row), expired, seq: written.head }
}

/** Record `expired` for every row whose expiry has passed, and delete it. */
export function* expireSteps(now: DateTime.Utc): Steps<ReadonlyArray<Transition>> {
  const at = now.epochMillis
  const due = yield* issue<"ReadDue">({ _tag: "ReadDue", at })
  const expired: Array<Transition> = []
  for (const row of due) {
    const entry = toEntry(row)
    if (entry !== undefined) expired.push(yield* expire(entry, at))
  }
  return expired
}

/** The function of a statement's own tag (TypeScript cannot pair a union member with its mapped entry). */
const handlerOf = <H>(statements: { readonly [K in Tag]: (statement: StatementOf<K>) => H }, statement: Statement) =>
  statements[statement._tag] as (statement: Statement) => H

/** Run `steps` to the end, every statement synchronously (inside the caller's transaction). */
export const runSync = <A>(steps: Steps<A>, statements: SyncStatements): A => {
  let next = steps.next()
  while (!next.done) next = steps.next(handlerOf<unknown>(statements, next.value)(next.value))
  return next.value
}

/** Run `steps` to the end, awaiting every statement in turn (inside the caller's transaction). */
export const runAsync = async <A>(steps: Steps<A>, statements: AsyncStatements): Promise<A> => {
  let next = steps.next()
  while (!next.done) next = steps.next(await handlerOf<Promise<unknown>>(statements, next.value)(next.value))
  return next.value
}
