/**
 * What the supervisor does when its store file was swapped under it (DESIGN §9, fail-static). The
 * new file arrives verified (opened, schema current, `quick_check` ok). A backup of the same store
 * (same identity) is adopted as it is: restoring a backup means its state. A different store — one
 * created after the file was deleted, say, empty or not — never lifts a restriction by itself: every
 * key the old state refused and the new store would let through is held (still refused) until an
 * operator acts: pausing and resuming the key in the new store, restoring the original store, or
 * restarting the process. Each replacement is logged as a warning with the counts before and after.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type { ActivityEntry } from "../Domain/Activity.js"
import { rowId } from "../Domain/Rules.js"
import type { StoreReplacement } from "../Domain/Store.js"
import { StoreReplaced } from "../Domain/Supervision.js"

const restricts = (entry: ActivityEntry, nowMs: number) =>
  (entry.paused || entry.draining) && (entry.expiresAt === null || entry.expiresAt.epochMillis > nowMs)

/** Does `entry` refuse at least what `held` refused? */
const covers = (entry: ActivityEntry | null, held: ActivityEntry) =>
  entry !== null && (!held.paused || entry.paused) && (!held.draining || entry.draining)

const counts = (rows: Iterable<ActivityEntry>, nowMs: number) => {
  let paused = 0
  let draining = 0
  for (const row of rows) {
    if (!restricts(row, nowMs)) continue
    if (row.paused) paused++
    if (row.draining) draining++
  }
  return { paused, draining }
}

export class HeldRows {
  /** By row id: the row still enforced, and the identity of the store it was read from. */
  private readonly held = new Map<string, { readonly entry: ActivityEntry; readonly fromId: string | null }>()

  get size(): number {
    return this.held.size
  }

  /** The row to enforce for a key the store reports as `entry`: a held row until the store covers it. */
  enforce(domain: string, key: string, entry: ActivityEntry | null): ActivityEntry | null {
    if (this.held.size === 0) return entry
    const id = rowId(domain, key)
    const held = this.held.get(id)
    if (held === undefined) return entry
    if (covers(entry, held.entry)) {
      this.held.delete(id)
      return entry
    }
    return held.entry
  }

  /** A whole state read from the store, as enforced: held rows over the store's, and held keys it has no row for. */
  enforceAll(incoming: ReadonlyArray<ActivityEntry>): Array<ActivityEntry> {
    if (this.held.size === 0) return [...incoming]
    const ids = new Set(incoming.map((entry) => rowId(entry.domain, entry.key)))
    const enforced = incoming.flatMap((entry) => this.enforce(entry.domain, entry.key, entry) ?? [])
    for (const [id, held] of this.held) if (!ids.has(id)) enforced.push(held.entry)
    return enforced
  }

  /**
   * Adopt a replaced store: `previous` is what the process enforced, `incoming` the new store's rows.
   * Returns the rows to enforce now and the record of the replacement (for status and the log).
   */
  adopt(previous: ReadonlyArray<ActivityEntry>, incoming: ReadonlyArray<ActivityEntry>, replacement: StoreReplacement, nowMs: number) {
    const sameStore = replacement.previousId !== null && replacement.previousId === replacement.currentId
    // The store the held rows were read from is back: it decides again.
    if (replacement.currentId !== null) {
      for (const [id, held] of this.held) if (held.fromId === replacement.currentId) this.held.delete(id)
    }
    for (const [id, held] of this.held) if (!restricts(held.entry, nowMs)) this.held.delete(id)
    const byId = new Map(incoming.map((entry) => [rowId(entry.domain, entry.key), entry]))
    let newlyHeld = 0
    if (!sameStore) {
      for (const entry of previous) {
        const id = rowId(entry.domain, entry.key)
        if (!restricts(entry, nowMs) || covers(byId.get(id) ?? null, entry)) continue
        if (!this.held.has(id)) newlyHeld++
        this.held.set(id, { entry, fromId: this.held.get(id)?.fromId ?? replacement.previousId })
      }
    }
    const enforced = this.enforceAll(incoming)
    const before = counts(previous, nowMs)
    const after = counts(enforced, nowMs)
    const record = new StoreReplaced({
      at: DateTime.unsafeMake(nowMs),
      reason: replacement.reason,
      previousId: replacement.previousId,
      currentId: replacement.currentId,
      sameStore,
      pausedBefore: before.paused,
      drainingBefore: before.draining,
      pausedAfter: after.paused,
      drainingAfter: after.draining,
      held: newlyHeld
    })
    return { enforced, record }
  }

  /** Why the process is unhealthy while rows are held, or null. A held row whose expiry has passed is let go. */
  problem(currentId: string | null, nowMs: number): string | null {
    for (const [id, held] of this.held) if (!restricts(held.entry, nowMs)) this.held.delete(id)
    if (this.held.size === 0) return null
    const keys = [...this.held.values()].map((h) => `${h.entry.domain}/${h.entry.key}`).sort()
    const from = [...new Set([...this.held.values()].map((h) => h.fromId ?? "unknown"))].join(", ")
    const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? `, … ${keys.length - 5} more` : "")
    return `the store was replaced by a different store (id ${from} → ${currentId ?? "none"}) that would let ${keys.length} refused key(s) through: ` +
      `holding them (${shown}); pause and resume a key there to release it, or restore the original store, or restart this process to adopt the new one as it is`
  }
}

/** The warning every adopted replacement is logged with: both identities and the counts before and after. */
export const logReplacement = (record: StoreReplaced, store: string, held: number) =>
  Effect.logWarning(`Supervisor.adopt: the store file was ${record.reason}${record.sameStore ? " (a copy of the same store)" : " by a different store"}`).pipe(
    Effect.annotateLogs({
      store,
      previous_id: record.previousId ?? "unknown",
      current_id: record.currentId ?? "none",
      paused: `${record.pausedBefore} -> ${record.pausedAfter}`,
      draining: `${record.drainingBefore} -> ${record.drainingAfter}`,
      held
    })
  )
