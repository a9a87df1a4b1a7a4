/** Stored rows ↔ domain values, shared by the portable SQL store and its dialects. */
import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { ActivityEntry, Transition } from "../Domain/Activity.js"
import type { TransitionAction } from "../Domain/Activity.js"
import { ActivityKey } from "../Domain/ActivityKey.js"
import { Domain } from "../Domain/Domain.js"

export interface ActivityRow {
  readonly domain: string
  readonly key: string
  readonly paused: number | boolean
  readonly draining: number | boolean
  readonly note: string | null
  readonly updated_at: number | null
  readonly updated_by: string | null
  readonly source: string | null
  readonly expires_at: number | null
}

export interface HistoryRow extends ActivityRow {
  readonly seq: number
  /** The change feed's head right after the write (from the same statement). */
  readonly head?: number
  readonly at: number
  readonly action: string
  readonly actor: string | null
}

export const isDomain = Schema.is(Domain)
const utc = (millis: number | null) => (millis === null ? null : DateTime.unsafeMake(Number(millis)))
export const millis = (at: DateTime.Utc | null) => (at === null ? null : DateTime.toEpochMillis(at))
// Keys come from the store, which may hold rows written by other tools: trust them as stored.
export const storedKey = (key: string) => ActivityKey.make(key, { disableValidation: true })

/**
 * Shares equal strings: every row read brings its own copy of `updated_by`, `source` and `note`,
 * which are mostly the same few values; at 100,000 rows that is megabytes the supervisor keeps.
 */
export const makeInterner = () => {
  const seen = new Map<string, string>()
  return (value: string | null): string | null => {
    if (value === null) return null
    const known = seen.get(value)
    if (known !== undefined) return known
    if (seen.size < 10_000) seen.set(value, value)
    return value
  }
}

const noInterning = (value: string | null) => value

/** A stored row, or `undefined` when it belongs to no domain this version knows (kept, not shown). */
export const toEntry = (row: ActivityRow, intern: (value: string | null) => string | null = noInterning): ActivityEntry | undefined =>
  isDomain(row.domain)
    ? new ActivityEntry({
      // Built from typed columns: validating every row would dominate loading 100k of them.
      domain: row.domain,
      key: storedKey(row.key),
      paused: Boolean(Number(row.paused)),
      draining: Boolean(Number(row.draining)),
      note: intern(row.note ?? null),
      updatedAt: utc(row.updated_at),
      updatedBy: intern(row.updated_by ?? null),
      source: intern(row.source ?? null),
      expiresAt: utc(row.expires_at)
    }, true)
    : undefined

export const toTransition = (row: HistoryRow): Transition =>
  new Transition({
    seq: Number(row.seq),
    at: DateTime.unsafeMake(Number(row.at)),
    domain: row.domain as Domain,
    key: storedKey(row.key),
    action: row.action as TransitionAction,
    paused: Boolean(Number(row.paused)),
    draining: Boolean(Number(row.draining)),
    note: row.note ?? null,
    actor: row.actor ?? null,
    source: row.source ?? null,
    expiresAt: utc(row.expires_at)
  }, { disableValidation: true })


/** The flags a history row records. */
export interface RecordedRow {
  readonly domain: string
  readonly key: string
  readonly paused: boolean
  readonly draining: boolean
  readonly note: string | null
  readonly expiresAt: DateTime.Utc | null
}

/** The columns of an `activity_history` row (all but `seq`). */
export const historyColumns = (row: RecordedRow, action: TransitionAction, at: number, actor: string | null, source: string | null) => ({
  at,
  domain: row.domain,
  key: row.key,
  action,
  paused: row.paused ? 1 : 0,
  draining: row.draining ? 1 : 0,
  note: row.note,
  actor,
  source,
  expires_at: millis(row.expiresAt)
})

/** The columns of an `activity` row. */
export const activityColumns = (entry: ActivityEntry) => ({
  domain: entry.domain,
  key: entry.key,
  paused: entry.paused ? 1 : 0,
  draining: entry.draining ? 1 : 0,
  note: entry.note,
  updated_at: millis(entry.updatedAt),
  updated_by: entry.updatedBy,
  source: entry.source,
  expires_at: millis(entry.expiresAt)
})

export type HistoryColumns = ReturnType<typeof historyColumns>
export type ActivityColumns = ReturnType<typeof activityColumns>
