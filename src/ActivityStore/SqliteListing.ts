/**
 * The listing read of the SQLite store (`activity` at 100,000 keys): one read transaction on the native
 * connection, a `GROUP BY domain` for the counts and column widths, then the rows as raw arrays, sorted by
 * the primary key. No entry, no Schema, no @effect/sql row transform per row.
 */
import type Database from "better-sqlite3"
import { Domains } from "../Domain/Domain.js"
import type { DomainListingStats, StoredListing, StoredRow } from "../Domain/Store.js"

/** The years 0000–9999: times a listing prints as 24 (JSON) or 20 (text) characters. */
const MIN_TIME = -62_167_219_200_000
const MAX_TIME = 253_402_300_799_999

const KNOWN = Domains.map((d) => `'${d}'`).join(", ")
const WHERE = `FROM activity WHERE domain IN (${KNOWN}) AND (@domain IS NULL OR domain = @domain)`
const ascii = (column: string) => `length(CAST(${column} AS BLOB)) = length(${column})`
const time = (column: string) => `(typeof(${column}) = 'null' OR (typeof(${column}) = 'integer' AND ${column} BETWEEN ${MIN_TIME} AND ${MAX_TIME}))`
const text = (column: string) => `typeof(${column}) IN ('text', 'null')`
/**
 * A row this listing reads as it is (any other makes the whole listing go through `list` and its checks):
 * integer flags and expiry, so that SQL counts the states the reader derives, and ASCII keys, so that
 * SQLite's byte order is the order of JavaScript strings. A table (`widths`) also needs text columns, plain
 * ASCII lengths (UTF-16 lengths) and times of 20 characters.
 */
const REGULAR = `typeof(key) = 'text' AND ${ascii("key")} AND typeof(paused) = 'integer' AND typeof(draining) = 'integer'
  AND typeof(expires_at) IN ('integer', 'null')`
const REGULAR_TABLE = `${REGULAR} AND ${text("note")} AND ${text("updated_by")} AND ${text("source")} AND ${time("updated_at")}
  AND ${time("expires_at")}`
/** Rules.listedState as a code: 0 accepting (expired rows too), 1 paused, 2 draining, 3 note-only. */
const STATE = `CASE WHEN expires_at IS NOT NULL AND expires_at <= @now THEN 0 WHEN paused <> 0 THEN 1 WHEN draining <> 0 THEN 2
  WHEN note IS NOT NULL THEN 3 ELSE 0 END`
const BY = "COALESCE(updated_by, CASE WHEN source = 'legacy' THEN '(original)' END)"

/** Per domain: the counts of each state and whether every row is regular; with `widths`, the column widths too. */
const stats = (widths: boolean) => `SELECT domain, count(*) AS entries, sum(s = 1) AS paused, sum(s = 2) AS draining,
  sum(s = 3) AS note_only, sum(s = 0) AS accepting, min(regular) AS regular${
  widths
    ? `, max(length(key)) AS key_length, max(length(note)) AS note_length,
  min(note IS NULL OR ${ascii("note")}) AS note_ascii, max(length(${BY})) AS by_length,
  min(${BY} IS NULL OR ${ascii(BY)}) AS by_ascii, max(updated_at IS NOT NULL) AS any_updated_at`
    : ""
}
FROM (SELECT *, ${STATE} AS s, (${widths ? REGULAR_TABLE : REGULAR}) AS regular ${WHERE})
GROUP BY domain ORDER BY domain`

const STATS = [stats(false), stats(true)]

export const ROWS = `SELECT domain, key, paused, draining, note, updated_at, updated_by, source, expires_at ${WHERE}
ORDER BY domain, key`

interface StatsRow {
  readonly domain: DomainListingStats["domain"]
  readonly entries: number
  readonly paused: number
  readonly draining: number
  readonly note_only: number
  readonly accepting: number
  readonly regular: number
  readonly key_length?: number
  readonly note_length?: number | null
  readonly note_ascii?: number
  readonly by_length?: number | null
  readonly by_ascii?: number
  readonly any_updated_at?: number
}

const toStats = (row: StatsRow): DomainListingStats => ({
  domain: row.domain,
  entries: row.entries,
  paused: row.paused,
  draining: row.draining,
  noteOnly: row.note_only,
  accepting: row.accepting,
  widths: row.key_length === undefined ? null : {
    key: row.key_length,
    note: row.note_ascii === 1 ? row.note_length ?? 0 : null,
    updatedBy: row.by_ascii === 1 ? row.by_length ?? 0 : null,
    anyUpdatedAt: row.any_updated_at === 1
  }
})

/** The listing reader of one connection; its statements are prepared on first use. */
export const makeListing = (db: Database.Database) => {
  const statements = new Map<string, Database.Statement>()
  const prepared = (sql: string, raw: boolean) => {
    let statement = statements.get(sql)
    if (statement === undefined) statements.set(sql, statement = raw ? db.prepare(sql).raw(true) : db.prepare(sql))
    return statement
  }
  /**
   * Opens the snapshot and reads the statistics: `null` (snapshot closed again) when a row is irregular.
   * `close` ends the snapshot; it must be called once the rows are read (or abandoned).
   */
  const open = (domain: string | undefined, now: number, widths: boolean): { readonly listing: StoredListing | null; readonly close: () => void } => {
    const stats = prepared(STATS[widths ? 1 : 0]!, false)
    const rows = prepared(ROWS, true)
    db.exec("BEGIN")
    let iterator: IterableIterator<unknown> | undefined
    const close = () => {
      iterator?.return?.()
      iterator = undefined
      if (db.inTransaction) db.exec("COMMIT")
    }
    try {
      const params = { domain: domain ?? null, now }
      const domains = (stats.all(params) as ReadonlyArray<StatsRow>)
      if (domains.some((d) => d.regular !== 1)) {
        close()
        return { listing: null, close: () => {} }
      }
      iterator = rows.iterate(params)
      const next = (max: number): ReadonlyArray<StoredRow> | undefined => {
        if (iterator === undefined) return undefined
        const batch: Array<StoredRow> = []
        while (batch.length < max) {
          const step = iterator.next()
          if (step.done === true) {
            iterator = undefined
            break
          }
          batch.push(step.value as StoredRow)
        }
        return batch.length === 0 ? undefined : batch
      }
      return { listing: { domains: domains.map(toStats), next }, close }
    } catch (error) {
      close()
      throw error
    }
  }
  return open
}
