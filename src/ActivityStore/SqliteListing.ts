/**
 * The listing read of the SQLite store (`activity` at 100,000 keys): one read transaction on the native
 * connection, a `GROUP BY domain` for the counts of each state, then the rows as raw arrays, sorted by
 * the primary key. No entry, no Schema, no @effect/sql row transform per row.
 */
import type Database from "better-sqlite3"
import { Domains } from "../Domain/Domain.js"
import type { DomainListingStats, StoredListing, StoredRow } from "../Domain/Store.js"

const KNOWN = Domains.map((d) => `'${d}'`).join(", ")
const WHERE = `FROM activity WHERE domain IN (${KNOWN}) AND (@domain IS NULL OR domain = @domain)`
/**
 * A row this listing reads as it is (any other makes the whole listing go through `list` and its checks):
 * integer flags and expiry, so that SQL counts the states the reader derives, and ASCII keys, so that
 * SQLite's byte order is the order of JavaScript strings.
 */
const REGULAR = `typeof(key) = 'text' AND length(CAST(key AS BLOB)) = length(key) AND typeof(paused) = 'integer'
  AND typeof(draining) = 'integer' AND typeof(expires_at) IN ('integer', 'null')`
/** Rules.listedState as a code: 0 accepting (expired rows too), 1 paused, 2 draining, 3 note-only. */
const STATE = `CASE WHEN expires_at IS NOT NULL AND expires_at <= @now THEN 0 WHEN paused <> 0 THEN 1 WHEN draining <> 0 THEN 2
  WHEN note IS NOT NULL THEN 3 ELSE 0 END`

/** Per domain: the counts of each state and whether every row is regular. */
const STATS = `SELECT domain, count(*) AS entries, sum(s = 1) AS paused, sum(s = 2) AS draining,
  sum(s = 3) AS note_only, sum(s = 0) AS accepting, min(regular) AS regular
FROM (SELECT *, ${STATE} AS s, (${REGULAR}) AS regular ${WHERE})
GROUP BY domain ORDER BY domain`

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
}

const toStats = (row: StatsRow): DomainListingStats => ({
  domain: row.domain,
  entries: row.entries,
  paused: row.paused,
  draining: row.draining,
  noteOnly: row.note_only,
  accepting: row.accepting
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
  const open = (domain: string | undefined, now: number): { readonly listing: StoredListing | null; readonly close: () => void } => {
    const stats = prepared(STATS, false)
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
