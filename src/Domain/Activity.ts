import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { ActivityKey, CONTROL_CHARACTERS } from "./ActivityKey.js"
import { Domain } from "./Domain.js"
import { snake } from "./Fields.js"

export const MAX_NOTE_LENGTH = 1024

/**
 * What a note may not contain: control characters (tab and newline included: a note is one line in
 * every table and log), lone surrogates, the line and paragraph separators, and the bidirectional
 * overrides and isolates, which reorder the rest of a terminal line when it is printed.
 */
export const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Why `s` is not a note, or undefined when it is one. */
export const noteProblem = (s: string): string | undefined => {
  const length = [...s].length
  if (length > MAX_NOTE_LENGTH) return `note is ${length} characters; at most ${MAX_NOTE_LENGTH} allowed`
  const bad = UNPRINTABLE.exec(s)
  if (bad !== null) {
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`
    return CONTROL_CHARACTERS.test(bad[0])
      ? `note must not contain control characters (found ${code} at character ${[...s.slice(0, bad.index)].length + 1})`
      : `note must not contain unprintable characters (found ${code} at character ${[...s.slice(0, bad.index)].length + 1})`
  }
  return undefined
}

/**
 * An operator's note: free text, any printable Unicode up to 1,024 characters (code points).
 * Quotes, `;`, `--` and the like are fine: every query is parameterised.
 */
export const Note = Schema.String.pipe(Schema.filter((s) => noteProblem(s) ?? true))

/**
 * Where a requested change comes from. Stored rows and history may also say `legacy` (a write by the
 * Python original, attributed by the store's triggers) or nothing (rows the original wrote before
 * this store adopted the file).
 */
export const Source = Schema.Literal("cli", "api", "http", "expiry")
export type Source = typeof Source.Type

/** The `source` the store's triggers record for a write by the Python original (no actor). */
export const LEGACY_SOURCE = "legacy"

/** Derived state of a key (DESIGN §3). */
export const ActivityState = Schema.Literal("accepting", "paused", "draining", "drained", "note-only")
export type ActivityState = typeof ActivityState.Type

/**
 * What an operator (or an expiry) did to a row. Writes by the Python original are recorded with the
 * action their flags amount to; `note` is one that leaves the key neither paused nor draining.
 */
export const TransitionAction = Schema.Literal("pause", "drain", "resume", "clear-pause", "clear-drain", "expired", "note")
export type TransitionAction = typeof TransitionAction.Type

/** The actions a caller may request (`expired` is recorded by the system only). */
export const RequestAction = Schema.Literal("pause", "drain", "resume", "clear-pause", "clear-drain")
export type RequestAction = typeof RequestAction.Type

const Timestamp = Schema.DateTimeUtc

/** One stored row: the state of a key or of a wildcard rule. A row in the default state does not exist. */
export class ActivityEntry extends Schema.Class<ActivityEntry>("ActivityEntry")({
  domain: Domain,
  key: ActivityKey,
  paused: Schema.Boolean,
  draining: Schema.Boolean,
  note: Schema.NullOr(Schema.String),
  updatedAt: snake(Schema.NullOr(Timestamp), "updated_at"),
  updatedBy: snake(Schema.NullOr(Schema.String), "updated_by"),
  source: Schema.NullOr(Schema.String),
  expiresAt: snake(Schema.NullOr(Timestamp), "expires_at")
}) {
  /** An expired row reads as absent: it auto-resumes at `expiresAt`. */
  isExpired(now: DateTime.Utc): boolean {
    return this.expiresAt !== null && DateTime.lessThanOrEqualTo(this.expiresAt, now)
  }
}

/** The state a row's own flags give, ignoring in-flight counts and wildcard rules. */
export const stateOfFlags = (flags: { readonly paused: boolean; readonly draining: boolean; readonly note: string | null }): ActivityState =>
  flags.paused ? "paused" : flags.draining ? "draining" : flags.note !== null ? "note-only" : "accepting"

/** One row of the append-only history: the row's flags after the action. */
export class Transition extends Schema.Class<Transition>("Transition")({
  seq: Schema.Number,
  at: Timestamp,
  domain: Domain,
  key: ActivityKey,
  action: TransitionAction,
  paused: Schema.Boolean,
  draining: Schema.Boolean,
  note: Schema.NullOr(Schema.String),
  actor: Schema.NullOr(Schema.String),
  source: Schema.NullOr(Schema.String),
  expiresAt: snake(Schema.NullOr(Timestamp), "expires_at")
}) {}

/** The rule that decided a key's effective state: its own row or a wildcard row. */
export class DecidingRule extends Schema.Class<DecidingRule>("DecidingRule")({
  key: ActivityKey,
  kind: Schema.Literal("own", "wildcard")
}) {}

/** A key's effective state: its own row ∪ every matching wildcard row, and which rule decided. */
export class EffectiveState extends Schema.Class<EffectiveState>("EffectiveState")({
  domain: Domain,
  key: ActivityKey,
  state: ActivityState,
  paused: Schema.Boolean,
  draining: Schema.Boolean,
  note: Schema.NullOr(Schema.String),
  rule: Schema.NullOr(DecidingRule),
  expiresAt: snake(Schema.NullOr(Timestamp), "expires_at")
}) {
  get accepting(): boolean {
    return !this.paused && !this.draining
  }
}
