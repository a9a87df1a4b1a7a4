/**
 * The supervisor's in-memory state: stored rows by domain and key, with the wildcard rules of each
 * domain kept apart so the common case (no wildcard, no row) is two Map lookups.
 */
import type * as DateTime from "effect/DateTime"
import type { ActivityEntry, EffectiveState } from "../Domain/Activity.js"
import { isWildcard } from "../Domain/ActivityKey.js"
import type { Domain } from "../Domain/Domain.js"
import { effectiveState, rowId } from "../Domain/Rules.js"

/** Up to this many `prefix.*` rules in a domain, scanning them beats slicing the key. */
const FEW_RULES = 8

const flagged = (entry: ActivityEntry | undefined, nowMillis: number): boolean =>
  entry !== undefined && (entry.paused || entry.draining) && (entry.expiresAt === null || entry.expiresAt.epochMillis > nowMillis)

export class ActivityIndex {
  private readonly rows = new Map<string, Map<string, ActivityEntry>>()
  /** Per domain, the prefixes of its `prefix.*` rules (`"a.b."`), and whether `*` exists. */
  private readonly prefixes = new Map<string, Set<string>>()
  private readonly wholeDomain = new Set<string>()
  /** Rows with an expiry, so finding the next one does not walk every row on each tick. */
  private readonly expiring = new Map<string, ActivityEntry>()
  private count = 0

  get size(): number {
    return this.count
  }

  /** Replace (or, with `null`, remove) a row; returns the row it replaced. */
  set(domain: Domain, key: string, entry: ActivityEntry | null): ActivityEntry | null {
    let byKey = this.rows.get(domain)
    const before = byKey?.get(key) ?? null
    if (entry === null) {
      if (before === null) return null
      byKey!.delete(key)
      this.count--
    } else {
      if (byKey === undefined) this.rows.set(domain, (byKey = new Map()))
      byKey.set(key, entry)
      if (before === null) this.count++
    }
    if (isWildcard(key)) this.indexRule(domain, key, entry !== null)
    const id = rowId(domain, key)
    if (entry?.expiresAt != null) this.expiring.set(id, entry)
    else this.expiring.delete(id)
    return before
  }

  /** Rows whose expiry is at or before `nowMillis`. */
  expiredAt(nowMillis: number): ReadonlyArray<ActivityEntry> {
    return [...this.expiring.values()].filter((e) => e.expiresAt!.epochMillis <= nowMillis)
  }

  *entries(): IterableIterator<ActivityEntry> {
    for (const byKey of this.rows.values()) yield* byKey.values()
  }

  /** The earliest expiry among the rows, in epoch milliseconds, or `undefined`. */
  nextExpiry(): number | undefined {
    let next: number | undefined
    for (const entry of this.expiring.values()) {
      if (entry.expiresAt !== null && (next === undefined || entry.expiresAt.epochMillis < next)) next = entry.expiresAt.epochMillis
    }
    return next
  }

  /**
   * Does a live flagged row cover `key` at `nowMillis` — its own row, `*`, or a `prefix.*` rule? The
   * hot path of every gate: no allocation unless the domain has many `prefix.*` rules.
   */
  refuses(domain: string, key: string, nowMillis: number): boolean {
    const byKey = this.rows.get(domain)
    if (byKey === undefined) return false
    if (flagged(byKey.get(key), nowMillis)) return true
    if (this.wholeDomain.has(domain) && flagged(byKey.get("*"), nowMillis)) return true
    const prefixes = this.prefixes.get(domain)
    if (prefixes === undefined) return false
    if (prefixes.size <= FEW_RULES) {
      for (const prefix of prefixes) if (key.startsWith(prefix) && flagged(byKey.get(prefix + "*"), nowMillis)) return true
      return false
    }
    // Many rules: probe the key's own prefixes (`a.`, `a.b.`, …) instead of every rule.
    for (let at = key.indexOf("."); at !== -1; at = key.indexOf(".", at + 1)) {
      const prefix = key.slice(0, at + 1)
      if (prefixes.has(prefix) && flagged(byKey.get(prefix + "*"), nowMillis)) return true
    }
    return false
  }

  /** The full answer, with the deciding rule (expired rows read as absent). */
  stateOf(domain: Domain, key: string, now: DateTime.Utc): EffectiveState {
    const byKey = this.rows.get(domain)
    return effectiveState(domain, key, (k) => byKey?.get(k), now)
  }

  private indexRule(domain: string, key: string, present: boolean): void {
    if (key === "*") {
      if (present) this.wholeDomain.add(domain)
      else this.wholeDomain.delete(domain)
      return
    }
    const prefix = key.slice(0, -1)
    let set = this.prefixes.get(domain)
    if (present) {
      if (set === undefined) this.prefixes.set(domain, (set = new Set()))
      set.add(prefix)
    } else if (set !== undefined) {
      set.delete(prefix)
      if (set.size === 0) this.prefixes.delete(domain)
    }
  }
}
