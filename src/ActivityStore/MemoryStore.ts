/**
 * The ActivityStore in memory: the same contract as the SQL store (test/ActivityStore.test.ts runs
 * against both). Each operation mutates inside one synchronous section, which is what makes it atomic.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { Transition } from "../Domain/Activity.js"
import type { ActivityEntry, TransitionAction } from "../Domain/Activity.js"
import type { InstanceReport } from "../Domain/Instance.js"
import { byDomainThenKey, changesRow, listedState, nextRow, recordedRow, rowId } from "../Domain/Rules.js"
import type { ActivityStoreService, ChangeBatch, TransitionRequest, TransitionResult } from "../Domain/Store.js"

export const makeMemoryStore = Effect.sync((): ActivityStoreService => {
  const rows = new Map<string, ActivityEntry>()
  const history: Array<Transition> = []
  // Change feed: the key changed by each write, in order; seq = index + 1.
  const changes: Array<{ readonly domain: ActivityEntry["domain"]; readonly key: ActivityEntry["key"] }> = []
  const instances = new Map<string, InstanceReport>()

  const record = (
    row: Pick<ActivityEntry, "domain" | "key" | "paused" | "draining" | "note" | "expiresAt">,
    action: TransitionAction,
    at: DateTime.Utc,
    actor: string | null,
    source: string | null
  ) => {
    const t = new Transition({
      seq: history.length + 1,
      at,
      domain: row.domain,
      key: row.key,
      action,
      paused: row.paused,
      draining: row.draining,
      note: row.note,
      actor,
      source,
      expiresAt: row.expiresAt
    })
    history.push(t)
    return t
  }

  const put = (domain: ActivityEntry["domain"], key: ActivityEntry["key"], row: ActivityEntry | null) => {
    if (row === null) rows.delete(rowId(domain, key))
    else rows.set(rowId(domain, key), row)
    changes.push({ domain, key })
  }

  const expire = (row: ActivityEntry, now: DateTime.Utc) => {
    put(row.domain, row.key, null)
    return record({ ...row, paused: false, draining: false }, "expired", now, "system", "expiry")
  }

  const plan = (request: TransitionRequest, now: DateTime.Utc) => {
    const stored = rows.get(rowId(request.domain, request.key)) ?? null
    const due = stored !== null && stored.isExpired(now)
    const before = due ? null : stored
    return { stored, due, before, after: nextRow(before, request, now) }
  }

  const withNow = <A>(f: (now: DateTime.Utc) => A) => Effect.map(DateTime.now, f)

  return {
    describe: "memory",
    file: null,
    changeToken: Effect.sync(() => String(changes.length)),
    snapshot: Effect.sync(() => ({ seq: changes.length, entries: [...rows.values()] })),
    get: (domain, key) => Effect.sync(() => rows.get(rowId(domain, key)) ?? null),
    keys: (domain, length) =>
      Effect.sync(() =>
        [...rows.values()].flatMap((row) =>
          row.domain === domain && (length === undefined || (row.key.length >= length.min && row.key.length <= length.max)) ? [row.key] : []
        )),
    list: (filter) =>
      withNow((now) =>
        [...rows.values()]
          .filter((row) => filter?.domain === undefined || row.domain === filter.domain)
          .filter((row) => filter?.state === undefined || listedState(row, now) === filter.state)
          .sort(byDomainThenKey)
      ),
    transition: (request) =>
      withNow((now): TransitionResult => {
        const { after, before, due, stored } = plan(request, now)
        const expired = due ? expire(stored!, now) : null
        if (!changesRow(before, after)) return { before, after: before, changed: false, transition: null, expired, seq: changes.length }
        put(request.domain, request.key, after)
        const transition = record(recordedRow(request, before, after), request.action, now, request.actor, request.source)
        return { before, after, changed: true, transition, expired, seq: changes.length }
      }),
    preview: (request) =>
      withNow((now): TransitionResult => {
        const { after, before } = plan(request, now)
        const changed = changesRow(before, after)
        return { before, after: changed ? after : before, changed, transition: null, expired: null, seq: 0 }
      }),
    history: (filter) =>
      Effect.sync(() =>
        history
          .filter((t) => (filter?.domain === undefined || t.domain === filter.domain) && (filter?.key === undefined || t.key === filter.key))
          .slice(-(filter?.limit ?? 100))
          .reverse()
      ),
    changesSince: (seq) =>
      Effect.sync((): ChangeBatch => {
        const head = changes.length
        if (seq > head) {
          return { seq: head, reset: true, changed: [...rows.values()].map((entry) => ({ domain: entry.domain, key: entry.key, entry })) }
        }
        const seen = new Map<string, { domain: ActivityEntry["domain"]; key: ActivityEntry["key"] }>()
        for (const change of changes.slice(seq)) seen.set(rowId(change.domain, change.key), change)
        const changed = [...seen.entries()].map(([id, k]) => ({ ...k, entry: rows.get(id) ?? null }))
        return { seq: head, reset: false, changed }
      }),
    expireDue: withNow((now) => [...rows.values()].filter((row) => row.isExpired(now)).map((row) => expire(row, now))),
    publishInstance: (report) => Effect.sync(() => void instances.set(report.id, report)),
    removeInstance: (id) => Effect.sync(() => void instances.delete(id)),
    instances: Effect.sync(() => [...instances.values()])
  }
})
