/**
 * The JSON the HTTP server speaks beyond the CLI's own reports (which it reuses: `ActivityReport`,
 * `HistoryReport`, `TransitionReport`, `ErrorReport`): `/readyz`, the console's Server-Sent Events,
 * `/api/access` and the body of `POST /api/transitions`. The console's TypeScript reads these types
 * (`typeof X.Encoded`), so page and server cannot drift apart. Schemas only: no Node, no platform.
 */
import * as Schema from "effect/Schema"
import { ActivityEntry, Transition } from "../Domain/Activity.js"
import { ActivityKey } from "../Domain/ActivityKey.js"
import { Domain } from "../Domain/Domain.js"
import { snake } from "../Domain/Fields.js"
import { ComponentState } from "../Domain/Health.js"
import { InflightCount } from "../Domain/Instance.js"
import { SupervisorPhase } from "../Domain/Supervision.js"

/** What `/readyz` answers; `checks` (with `?verbose`) lists every condition that was looked at. */
export class Readiness extends Schema.Class<Readiness>("Readiness")({
  ready: Schema.Boolean,
  reasons: Schema.Array(Schema.String),
  checks: Schema.optional(Schema.Array(Schema.Struct({ name: Schema.String, ok: Schema.Boolean, detail: Schema.NullOr(Schema.String) })))
}) {}

/** One registered lifecycle component as its last check left it. */
export class ConsoleComponent extends Schema.Class<ConsoleComponent>("ConsoleComponent")({
  domain: Domain,
  key: Schema.String,
  state: ComponentState,
  hasCheck: snake(Schema.Boolean, "has_check"),
  lastError: snake(Schema.NullOr(Schema.String), "last_error")
}) {}

/** This process's readiness, its reasons and checks, its components and its supervisor. */
export class ConsoleHealth extends Schema.Class<ConsoleHealth>("ConsoleHealth")({
  readiness: Readiness,
  components: Schema.Array(ConsoleComponent),
  phase: SupervisorPhase,
  supervisorHealthy: snake(Schema.Boolean, "supervisor_healthy"),
  supervisorError: snake(Schema.NullOr(Schema.String), "supervisor_error")
}) {}

/**
 * One process in the store's instance table (every replica once the store is shared): how far it has
 * followed the change feed and its non-zero in-flight counts. A stale one (no heartbeat for three of
 * its intervals) is listed with `live: false` and counts for nothing.
 */
export class ConsoleInstance extends Schema.Class<ConsoleInstance>("ConsoleInstance")({
  id: Schema.String,
  pid: Schema.Number,
  host: Schema.String,
  startedAt: snake(Schema.DateTimeUtc, "started_at"),
  appliedSeq: snake(Schema.Number, "applied_seq"),
  live: Schema.Boolean,
  /** The process serving this page. */
  self: Schema.Boolean,
  inflight: Schema.Array(InflightCount)
}) {}

/** `event: snapshot` — the whole state, first on every connection (and again after a burst of changes). */
export class ConsoleSnapshot extends Schema.Class<ConsoleSnapshot>("ConsoleSnapshot")({
  store: Schema.String,
  /** The server's clock, so countdowns do not depend on the browser's. */
  now: Schema.DateTimeUtc,
  /**
   * The stored rows, by domain then key: every wildcard rule and the first keys (a key without a row is
   * accepting). `pending` more follow at once in `rows` events (cause `replay`), before any change.
   */
  rows: Schema.Array(ActivityEntry),
  pending: Schema.Number,
  instances: Schema.Array(ConsoleInstance),
  health: ConsoleHealth,
  /** The newest transitions, oldest first. */
  history: Schema.Array(Transition)
}) {}

/** One key's row changed: `after` is its row now (null: back to the default state, no row). */
export class RowChange extends Schema.Class<RowChange>("RowChange")({
  domain: Domain,
  key: ActivityKey,
  after: Schema.NullOr(ActivityEntry),
  cause: Schema.Literal("local", "store", "expired", "replay")
}) {}

/** `event: rows` */
export class RowsEvent extends Schema.Class<RowsEvent>("RowsEvent")({
  changes: Schema.Array(RowChange)
}) {}

/** `event: instances` — the whole instance list, whenever a count, a position or a liveness changed. */
export class InstancesEvent extends Schema.Class<InstancesEvent>("InstancesEvent")({
  now: Schema.DateTimeUtc,
  instances: Schema.Array(ConsoleInstance)
}) {}

/** `event: history` — transitions recorded since the last one sent, oldest first. */
export class HistoryEvent extends Schema.Class<HistoryEvent>("HistoryEvent")({
  transitions: Schema.Array(Transition)
}) {}

/**
 * `GET /api/access`: what this server lets the caller do. `reads`: `open`, `token` (send the token),
 * or `closed` (they need a token and none is configured). `events_ticket`: for an authenticated
 * caller where reads need the token, what to pass to `/events?ticket=` (an `EventSource` sends no headers).
 */
export class AccessReport extends Schema.Class<AccessReport>("AccessReport")({
  reads: Schema.Literal("open", "token", "closed"),
  writes: Schema.Literal("enabled", "disabled"),
  authenticated: Schema.Boolean,
  eventsTicket: snake(Schema.NullOr(Schema.String), "events_ticket")
}) {}

/** The actions the HTTP API takes (the CLI's `--clear`/`--resume` variants stay on the CLI). */
export const HttpAction = Schema.Literal("pause", "drain", "resume")

/** The body of `POST /api/transitions`: the CLI's options as JSON fields. Unknown fields are refused. */
export const TransitionBody = Schema.Struct({
  action: HttpAction,
  domain: Schema.String,
  key: Schema.String,
  note: Schema.optional(Schema.String),
  for: Schema.optional(Schema.String),
  until: Schema.optional(Schema.String),
  by: Schema.optional(Schema.String),
  /** Report what would change and write nothing (the CLI's `--dry-run`). */
  dry_run: Schema.optional(Schema.Boolean)
})
export type TransitionBody = typeof TransitionBody.Type
