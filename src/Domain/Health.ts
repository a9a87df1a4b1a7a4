/**
 * The health snapshot (`runtime_health.json`, DESIGN §6) and what `oneiric health` reports: the file's
 * shape is in `Snapshot.ts` (re-exported here), one written by the Python original is read by
 * `LegacySnapshot.ts`.
 */
import type * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { Domain } from "./Domain.js"
import { errorMessage, escapeControl } from "./Errors.js"
import { snake } from "./Fields.js"
import { isLegacyShape, parseLegacy } from "./LegacySnapshot.js"
import { RuntimeHealthSnapshot } from "./Snapshot.js"

export * from "./Snapshot.js"

/** Who wrote a snapshot: this project, or the Python original (its twelve fields only). */
export const SnapshotFormat = Schema.Literal("oneiric", "legacy")
export type SnapshotFormat = typeof SnapshotFormat.Type

/** `oneiric health [--probe] --json`: the verdict on a snapshot file (and the snapshot, when it could be read). */
export class HealthReport extends Schema.Class<HealthReport>("HealthReport")({
  path: Schema.String,
  /**
   * `legacy`: written by the Python original. `snapshot` is then derived from its twelve fields: what
   * they do not say (supervisor, profile, secrets, instance, in-flight counts) holds neutral defaults,
   * and the verdict rests on what they do say (the process, its components, and the age with --max-age).
   */
  format: Schema.optionalWith(SnapshotFormat, { default: () => "oneiric" }),
  ready: Schema.Boolean,
  reasons: Schema.Array(Schema.String),
  checkedAt: snake(Schema.DateTimeUtc, "checked_at"),
  /** Milliseconds since `updated_at` (null without a snapshot). */
  ageMs: snake(Schema.NullOr(Schema.Number), "age_ms"),
  /** The oldest acceptable snapshot; null when age is not judged (a legacy snapshot without --max-age: the original writes only on changes). */
  maxAgeMs: snake(Schema.NullOr(Schema.Number), "max_age_ms"),
  /** Is `orchestrator_pid` alive? null when it cannot be told (another host, no pid, no snapshot). */
  pidAlive: snake(Schema.NullOr(Schema.Boolean), "pid_alive"),
  snapshot: Schema.NullOr(RuntimeHealthSnapshot)
}) {}

/** `health --probe` found the process not ready; the message lists the reasons. */
export class NotReady extends Schema.TaggedError<NotReady>()("NotReady", {
  message: Schema.String,
  reasons: Schema.Array(Schema.String)
}) {}

/** The snapshot could not be written (the previous file, if any, is left intact). */
export class HealthWriteFailed extends Schema.TaggedError<HealthWriteFailed>()("HealthWriteFailed", {
  path: Schema.String,
  message: Schema.String
}) {}

/** A component registered twice under one `(domain, key)`: their health could not be told apart. */
export class DuplicateComponent extends Schema.TaggedError<DuplicateComponent>()("DuplicateComponent", {
  domain: Domain,
  key: Schema.String
}) {
  override get message(): string {
    return `component ${this.domain}/${this.key} is already registered`
  }
}

// ---- the file ----------------------------------------------------------------------------------

/** A snapshot read back, tolerantly: a missing, empty, truncated or foreign file is a reason, never a crash. */
export type SnapshotRead =
  | { readonly _tag: "Found"; readonly snapshot: RuntimeHealthSnapshot; readonly format?: SnapshotFormat }
  | { readonly _tag: "Missing"; readonly reason: string }
  | { readonly _tag: "Corrupt"; readonly reason: string }

const encode = Schema.encodeSync(RuntimeHealthSnapshot)
const decode = Schema.decodeUnknownEither(RuntimeHealthSnapshot)

/** The file's text: the Schema-encoded snapshot, pretty-printed (operators `cat` it). */
export const snapshotJson = (snapshot: RuntimeHealthSnapshot): string => JSON.stringify(encode(snapshot), null, 2) + "\n"

/**
 * Decode a file's text; every failure is a reason naming `location`, with control characters escaped (a
 * corrupt file's bytes are quoted in it, and a reason is printed as one line).
 */
export const parseSnapshot = (location: string, text: string): SnapshotRead => {
  const read = parseText(location, text)
  return read._tag === "Corrupt" ? { _tag: "Corrupt", reason: escapeControl(read.reason) } : read
}

const parseText = (location: string, text: string): SnapshotRead => {
  if (text.trim().length === 0) return { _tag: "Corrupt", reason: `health snapshot at ${location} is empty` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not valid JSON: ${errorMessage(error)}` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: expected a JSON object` }
  }
  if (isLegacyShape(json)) return parseLegacy(location, json)
  const decoded = decode(json)
  if (decoded._tag === "Right") return { _tag: "Found", snapshot: decoded.right }
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `
  return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: ${where}${first?.message ?? "unexpected shape"}` }
}

// ---- the service ---------------------------------------------------------------------------------

/** The HealthSnapshot service: the snapshot of this process, written on every change and heartbeat. */
export interface HealthSnapshotService {
  /** The file's absolute path, or `memory`. */
  readonly location: string
  /** The snapshot of this instant, not written (for `/readyz`). */
  readonly current: Effect.Effect<RuntimeHealthSnapshot>
  /** Build and write now; a failure also makes the supervisor report itself unhealthy until a write succeeds. */
  readonly writeNow: Effect.Effect<RuntimeHealthSnapshot, HealthWriteFailed>
  /** From now on `ready` is false (`shutting-down`); writes at once. */
  readonly beginShutdown: Effect.Effect<void>
  /** What the file (or memory) holds now, read tolerantly. */
  readonly read: Effect.Effect<SnapshotRead>
  /** The last snapshot written by this service, if any. */
  readonly lastWritten: Effect.Effect<RuntimeHealthSnapshot | null>
}
