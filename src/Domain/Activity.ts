import * as DateTime from "effect/DateTime"
import * as Schema from "effect/Schema"
import { ActivityKey, SQL_METACHARACTERS, SQL_METACHARACTERS_HINT } from "./ActivityKey.js"
import { Domain } from "./Domain.js"
import { snake } from "./Fields.js"

export const MAX_NOTE_LENGTH = 1024

/** An operator's note: at most 1024 characters, no control characters but tab. */
export const Note = Schema.String.pipe(
  Schema.filter((s) => {
    if (s.length > MAX_NOTE_LENGTH) return `note is ${s.length} characters; at most ${MAX_NOTE_LENGTH} allowed`
    if (/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(s)) return "note must not contain control characters"
    if (SQL_METACHARACTERS.test(s)) return `note must not contain SQL metacharacters (${SQL_METACHARACTERS_HINT})`
    return true
  })
)

/** Where a change came from; rows written by the Python original carry none. */
export const Source = Schema.Literal("cli", "api", "http", "expiry")
export type Source = typeof Source.Type

/** Derived state of a key (DESIGN §3). */
export const ActivityState = Schema.Literal("accepting", "paused", "draining", "drained", "note-only")
export type ActivityState = typeof ActivityState.Type

/** What an operator (or an expiry) did to a row. */
export const TransitionAction = Schema.Literal("pause", "drain", "resume", "clear-pause", "clear-drain", "expired")
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
