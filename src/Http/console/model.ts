/**
 * The console's state, kept from the server's events, and what the page derives from it: each key's
 * effective state (its own row ∪ the wildcard rules that cover it, as `Domain/Rules.ts` decides it),
 * in-flight work per key across the live instances, what a rule covers. No DOM here: the tests run it
 * against the server's own rules.
 */
import type { ConsoleHealth, ConsoleInstance, ConsoleSnapshot, HistoryEvent, InstancesEvent, RowsEvent } from "../Wire.js"

export type Row = (typeof ConsoleSnapshot.Encoded)["rows"][number]
export type Instance = typeof ConsoleInstance.Encoded
export type Health = typeof ConsoleHealth.Encoded
export type HistoryRow = (typeof HistoryEvent.Encoded)["transitions"][number]
type Snapshot = typeof ConsoleSnapshot.Encoded

export type KeyState = "accepting" | "paused" | "draining" | "drained" | "note-only"

export const rowId = (domain: string, key: string): string => `${domain}\u0000${key}`

export const isWildcard = (key: string): boolean => key.endsWith("*")

/** `Domain/ActivityKey.ts`'s `covers`: `*` covers everything, `a.*` covers `a.b` and `a.b.c`, never `ab`. */
export const covers = (pattern: string, key: string): boolean =>
  pattern === key || pattern === "*" || (pattern.endsWith(".*") && key.startsWith(pattern.slice(0, -1)))

/** `Domain/ActivityKey.ts`'s `candidateRules`: the wildcard rules that could cover `key`, most general first. */
export const candidateRules = (key: string): ReadonlyArray<string> => {
  const rules = ["*"]
  for (let at = key.indexOf("."); at !== -1; at = key.indexOf(".", at + 1)) rules.push(key.slice(0, at + 1) + "*")
  return rules
}

const millis = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso))

/** A key's effective state; `rule` is the wildcard that decided it (null: its own row, or nothing). */
export interface Effective {
  readonly state: Exclude<KeyState, "drained">
  readonly paused: boolean
  readonly draining: boolean
  readonly note: string | null
  readonly rule: string | null
  readonly expiresAt: number | null
}

/** One concrete key as the table lists it. */
export interface KeyView {
  readonly domain: string
  readonly key: string
  /** Its own row (null: no row; listed for its rule or its work in flight). */
  readonly row: Row | null
}

export class ConsoleModel {
  store = ""
  /** Server clock minus browser clock. */
  offsetMs = 0
  readonly rows = new Map<string, Row>()
  instances: ReadonlyArray<Instance> = []
  health: Health | null = null
  /** Rows of the last snapshot still to come (in `replay` row events): the listing is partial until 0. */
  pending = 0
  history: ReadonlyArray<HistoryRow> = []
  /** Bumped on every change to rows or instances: derived listings are cached per version. */
  version = 0
  private listed: { readonly version: number; readonly keys: ReadonlyArray<KeyView> } | null = null
  private counts: { readonly version: number; readonly byKey: ReadonlyMap<string, number> } | null = null

  /** The server's time now. */
  now(): number {
    return Date.now() + this.offsetMs
  }

  applySnapshot(snapshot: Snapshot, receivedAt = Date.now()): void {
    this.store = snapshot.store
    this.offsetMs = Date.parse(snapshot.now) - receivedAt
    this.rows.clear()
    for (const row of snapshot.rows) this.rows.set(rowId(row.domain, row.key), row)
    this.pending = snapshot.pending
    this.instances = snapshot.instances
    this.health = snapshot.health
    this.history = snapshot.history
    this.version++
  }

  applyRows(event: typeof RowsEvent.Encoded): void {
    for (const change of event.changes) {
      if (change.cause === "replay" && this.pending > 0) this.pending--
      if (change.after === null) this.rows.delete(rowId(change.domain, change.key))
      else this.rows.set(rowId(change.domain, change.key), change.after)
    }
    this.version++
  }

  applyInstances(event: typeof InstancesEvent.Encoded, receivedAt = Date.now()): void {
    this.offsetMs = Date.parse(event.now) - receivedAt
    this.instances = event.instances
    this.version++
  }

  /** Components are listed keys too. */
  applyHealth(health: Health): void {
    this.health = health
    this.version++
  }

  /** Newest last; a transition seen before (a snapshot raced an event) is not added twice. */
  applyHistory(event: typeof HistoryEvent.Encoded, keep: number): void {
    const last = this.history.at(-1)?.seq ?? 0
    const added = event.transitions.filter((t) => t.seq > last)
    if (added.length > 0) this.history = [...this.history, ...added].slice(-keep)
  }

  private live(domain: string, key: string, now: number): Row | undefined {
    const row = this.rows.get(rowId(domain, key))
    if (row === undefined) return undefined
    const expires = millis(row.expires_at)
    return expires !== null && expires <= now ? undefined : row
  }

  /** As `Domain/Rules.ts`'s `effectiveState`: the most specific row setting the winning flag decides (paused beats draining). */
  effective(domain: string, key: string, now = this.now()): Effective {
    const own = this.live(domain, key, now)
    const found: Array<Row> = own === undefined ? [] : [own]
    const rules = candidateRules(key).filter((rule) => rule !== key)
    for (let i = rules.length - 1; i >= 0; i--) {
      const row = this.live(domain, rules[i]!, now)
      if (row !== undefined) found.push(row)
    }
    const decider = found.find((r) => r.paused) ?? found.find((r) => r.draining) ?? (own?.note != null ? own : undefined)
    if (decider === undefined) return { state: "accepting", paused: false, draining: false, note: null, rule: null, expiresAt: null }
    const paused = decider.paused
    const draining = found.some((r) => r.draining)
    return {
      state: paused ? "paused" : draining ? "draining" : decider.note !== null ? "note-only" : "accepting",
      paused,
      draining,
      note: decider.note,
      rule: decider === own ? null : decider.key,
      expiresAt: millis(decider.expires_at)
    }
  }

  /** Work in flight per `(domain, key)` across the live instances. */
  private inflightByKey(): ReadonlyMap<string, number> {
    if (this.counts?.version === this.version) return this.counts.byKey
    const byKey = new Map<string, number>()
    for (const instance of this.instances) {
      if (!instance.live) continue
      for (const c of instance.inflight) byKey.set(rowId(c.domain, c.key), (byKey.get(rowId(c.domain, c.key)) ?? 0) + c.count)
    }
    this.counts = { version: this.version, byKey }
    return byKey
  }

  /** In flight under `key` on every live instance (a wildcard: under every key it covers). */
  inflight(domain: string, key: string): number {
    const byKey = this.inflightByKey()
    if (!isWildcard(key)) return byKey.get(rowId(domain, key)) ?? 0
    let total = 0
    for (const instance of this.instances) {
      if (!instance.live) continue
      for (const c of instance.inflight) if (c.domain === domain && covers(key, c.key)) total += c.count
    }
    return total
  }

  /** The listed state: draining with nothing in flight anywhere is `drained`. */
  stateOf(domain: string, key: string, now = this.now()): { readonly state: KeyState; readonly effective: Effective } {
    const effective = this.effective(domain, key, now)
    const drained = effective.state === "draining" && this.inflight(domain, key) === 0
    return { state: drained ? "drained" : effective.state, effective }
  }

  /** Every concrete key with a row, with work in flight, or registered as a component, by domain then key. */
  keys(): ReadonlyArray<KeyView> {
    if (this.listed?.version === this.version) return this.listed.keys
    const byId = new Map<string, KeyView>()
    for (const row of this.rows.values()) if (!isWildcard(row.key)) byId.set(rowId(row.domain, row.key), { domain: row.domain, key: row.key, row })
    const known = (domain: string, key: string) => {
      const id = rowId(domain, key)
      if (!byId.has(id)) byId.set(id, { domain, key, row: null })
    }
    for (const instance of this.instances) {
      if (!instance.live) continue
      for (const c of instance.inflight) known(c.domain, c.key)
    }
    for (const component of this.health?.components ?? []) known(component.domain, component.key)
    const keys = [...byId.values()].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    this.listed = { version: this.version, keys }
    return keys
  }

  /** The wildcard rules, by domain then key. */
  rules(): ReadonlyArray<Row> {
    return [...this.rows.values()].filter((r) => isWildcard(r.key)).sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.key < b.key ? -1 : 1))
  }

  /** How many listed keys `rule` covers in its domain. */
  covered(domain: string, rule: string): number {
    let n = 0
    for (const view of this.keys()) if (view.domain === domain && covers(rule, view.key)) n++
    return n
  }
}

export interface KeyFilter {
  readonly domain: string
  /** A part of the key or of its note, any case. */
  readonly text: string
  readonly state: KeyState | ""
}

export const filterKeys = (model: ConsoleModel, filter: KeyFilter, now = model.now()): ReadonlyArray<KeyView> => {
  const text = filter.text.trim().toLowerCase()
  if (filter.domain === "" && text === "" && filter.state === "") return model.keys()
  return model.keys().filter((view) =>
    (filter.domain === "" || view.domain === filter.domain) &&
    (text === "" || view.key.toLowerCase().includes(text) || (view.row?.note ?? "").toLowerCase().includes(text)) &&
    (filter.state === "" || model.stateOf(view.domain, view.key, now).state === filter.state)
  )
}

export interface HistoryFilter {
  readonly domain: string
  readonly key: string
  readonly actor: string
  readonly source: string
}

/** Newest first. */
export const filterHistory = (history: ReadonlyArray<HistoryRow>, filter: HistoryFilter): ReadonlyArray<HistoryRow> => {
  const key = filter.key.trim().toLowerCase()
  const actor = filter.actor.trim().toLowerCase()
  const out: Array<HistoryRow> = []
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i]!
    if (filter.domain !== "" && t.domain !== filter.domain) continue
    if (key !== "" && !t.key.toLowerCase().includes(key)) continue
    if (actor !== "" && !(t.actor ?? "").toLowerCase().includes(actor)) continue
    if (filter.source !== "" && (t.source ?? "") !== filter.source) continue
    out.push(t)
  }
  return out
}

/** `4m 12s`, `2h 5m`, `3d 4h` until `at` (or `due` once it has passed). */
export const countdown = (at: number, now: number): string => {
  const s = Math.max(0, Math.round((at - now) / 1000))
  if (s === 0) return "due"
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
}

/** A drain's progress across the live instances: in flight under the key, and who has yet to apply it. */
export const drainProgress = (model: ConsoleModel, domain: string, key: string, seq: number) => {
  const live = model.instances.filter((i) => i.live)
  const inflight = model.inflight(domain, key)
  const pending = live.filter((i) => i.applied_seq < seq).length
  return { inflight, instances: live.length, pending, done: inflight === 0 && pending === 0 }
}
