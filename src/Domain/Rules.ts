/**
 * The state model's rules as pure functions (DESIGN §3), shared by every ActivityStore layer, the
 * supervisor's in-memory index and the CLI, so SQLite, memory and PostgreSQL cannot drift apart.
 */
import * as DateTime from "effect/DateTime"
import { ActivityEntry, DecidingRule, EffectiveState, stateOfFlags } from "./Activity.js"
import { ActivityKey, candidateRules } from "./ActivityKey.js"
import type { Domain } from "./Domain.js"
import type { TransitionRequest } from "./Store.js"

/**
 * The row after `request` is applied to `before` at `now`; `null` when the result is the default
 * state, which is stored as no row at all (the original's convention).
 */
export const nextRow = (before: ActivityEntry | null, request: TransitionRequest, now: DateTime.Utc): ActivityEntry | null => {
  const was = { paused: before?.paused ?? false, draining: before?.draining ?? false }
  const flags = (() => {
    switch (request.action) {
      case "pause":
        return { ...was, paused: true }
      case "drain":
        return { ...was, draining: true }
      case "resume":
        return { paused: false, draining: false }
      case "clear-pause":
        return { ...was, paused: false }
      case "clear-drain":
        return { ...was, draining: false }
    }
  })()
  // With no flag left the row goes, note included: history keeps the note (a stuck note was a bug of the original).
  if (!flags.paused && !flags.draining) return null
  return new ActivityEntry({
    domain: request.domain,
    key: request.key,
    ...flags,
    note: request.note !== undefined ? request.note : (before?.note ?? null),
    updatedAt: now,
    updatedBy: request.actor,
    source: request.source,
    expiresAt: request.expiresAt ?? null
  })
}

/**
 * The effective state of `key`: its own row ∪ every live wildcard row that covers it.
 * `lookup` returns the stored row of a key in the same domain. The deciding rule is the most
 * specific row that sets the winning flag (paused beats draining).
 */
export const effectiveState = (
  domain: Domain,
  key: string,
  lookup: (key: string) => ActivityEntry | undefined,
  now: DateTime.Utc
): EffectiveState => {
  const live = (k: string) => {
    const row = lookup(k)
    return row !== undefined && !row.isExpired(now) ? row : undefined
  }
  // Most specific first: own row, then `a.b.*`, `a.*`, `*`.
  const rules = candidateRules(key).filter((rule) => rule !== key).reverse()
  const rows: Array<ActivityEntry> = []
  const own = live(key)
  if (own !== undefined) rows.push(own)
  for (const rule of rules) {
    const row = live(rule)
    if (row !== undefined) rows.push(row)
  }
  const decider = rows.find((r) => r.paused) ?? rows.find((r) => r.draining) ?? (own?.note != null ? own : undefined)
  const paused = decider?.paused ?? false
  const draining = rows.some((r) => r.draining)
  // Built from checked values; a gate may ask about any key an application uses, so no re-validation.
  return new EffectiveState({
    domain,
    key: ActivityKey.make(key, { disableValidation: true }),
    state: decider === undefined ? "accepting" : stateOfFlags({ paused, draining, note: decider.note }),
    paused,
    draining,
    note: decider?.note ?? null,
    rule: decider === undefined ? null : new DecidingRule({ key: decider.key, kind: decider === own ? "own" : "wildcard" }, true),
    expiresAt: decider?.expiresAt ?? null
  }, true)
}

/**
 * Does a transition from `before` to `after` change what the state model holds — the flags, the note,
 * the expiry? Who acted and when do not count: pausing a paused key changes nothing and records nothing.
 */
export const changesRow = (before: ActivityEntry | null, after: ActivityEntry | null): boolean => {
  if (before === null || after === null) return before !== after
  return before.paused !== after.paused || before.draining !== after.draining || before.note !== after.note ||
    (before.expiresAt?.epochMillis ?? null) !== (after.expiresAt?.epochMillis ?? null)
}

/** The keys whose rows a lookup of `key` must read: the key itself and every wildcard rule that could cover it. */
export const keysToRead = (key: ActivityKey): ReadonlyArray<ActivityKey> => {
  // `*` and `prefix.*` of a valid key are valid keys themselves.
  const rules = candidateRules(key).map((rule) => ActivityKey.make(rule, { disableValidation: true }))
  return rules.includes(key) ? rules : [...rules, key]
}

/** A stable in-memory map key for `(domain, key)`. */
export const rowId = (domain: string, key: string): string => `${domain}\u0000${key}`

/** Order rows by domain, then key, for stable listings. */
export const byDomainThenKey = (a: ActivityEntry, b: ActivityEntry): number =>
  a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0

/** The state a listing shows for a row: an expired row reads as accepting until it is touched. */
export const listedState = (row: ActivityEntry, now: DateTime.Utc) => (row.isExpired(now) ? "accepting" : stateOfFlags(row))

/** The flags a history row records for `request`: the row after it, or the cleared state when no row is left. */
export const recordedRow = (request: TransitionRequest, before: ActivityEntry | null, after: ActivityEntry | null) =>
  after ?? {
    domain: request.domain,
    key: request.key,
    paused: false,
    draining: false,
    note: request.action === "resume" ? null : (request.note ?? before?.note ?? null),
    expiresAt: null
  }
