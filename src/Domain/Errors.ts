/**
 * Typed errors for everything an operator or an embedding caller can cause (the CLI maps each to its
 * exit code, DESIGN §7), and the one way to turn a failure into a line of text.
 */
import * as Cause from "effect/Cause"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

/** Bad input from the operator or a caller: nothing was written. */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String
}) {}

/** The configuration (profile, settings file, environment, options) cannot be resolved. */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String
}) {}

/** The activity store cannot be opened, read or written. */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  message: Schema.String,
  store: Schema.String
}) {}

/** `oneiric run` could not listen where it was told to (port in use, address not on this host, no permission). */
export class ListenFailed extends Schema.TaggedError<ListenFailed>()("ListenFailed", {
  message: Schema.String,
  host: Schema.String,
  port: Schema.Number
}) {}

/** `oneiric run` spent its shutdown budget and interrupted work still running. */
export class WorkInterrupted extends Schema.TaggedError<WorkInterrupted>()("WorkInterrupted", {
  message: Schema.String,
  interrupted: Schema.Number
}) {}

/** `pause|resume --wait` reached its deadline before every live instance had applied the change. */
export class WaitTimedOut extends Schema.TaggedError<WaitTimedOut>()("WaitTimedOut", {
  message: Schema.String,
  /** The live instances that had not applied it. */
  pending: Schema.Array(Schema.String)
}) {}

/** `drain --wait` reached its deadline with work still in flight (or the drain not yet applied somewhere). */
export class DrainTimedOut extends Schema.TaggedError<DrainTimedOut>()("DrainTimedOut", {
  message: Schema.String,
  remaining: Schema.Number
}) {}

/** C0 controls, DEL and C1 controls (the same set `ActivityKey` refuses). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/**
 * Control characters escaped (`\n`, `\r`, `\t`, else `\u00XX`), so a message that quotes operator input, a path
 * or a file's contents stays one line and cannot move a terminal's cursor. Every line the CLI prints to stderr
 * goes through it (`Cli/Failure.ts`); so do reasons built from a file's contents.
 */
export const escapeControl = (text: string): string =>
  text.replace(CONTROL, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * `drain --wait` found nothing in flight, but an instance that stopped while the key was draining had to
 * interrupt work under it at shutdown: the work was cut, not finished (exit 4, like a drain that timed out).
 */
export class DrainInterrupted extends Schema.TaggedError<DrainInterrupted>()("DrainInterrupted", {
  message: Schema.String,
  interrupted: Schema.Number
}) {}

/**
 * One line for anything a fiber failed or died with: the innermost `Error`'s message (drivers wrap
 * theirs: `SqlError` → `database is locked`), else an object's `message` or `_tag`, else the value.
 */
export const errorMessage = (error: unknown): string => {
  if (error instanceof Error) {
    if (error.cause instanceof Error) return errorMessage(error.cause)
    return error.message || error.name
  }
  if (typeof error === "object" && error !== null) {
    if ("message" in error && typeof error.message === "string" && error.message !== "") return error.message
    if ("_tag" in error && typeof error._tag === "string") return error._tag
  }
  return String(error)
}

/** One line for how an effect failed: its error, else its defect (`defect: …`), else `interrupted`. */
export const causeMessage = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return errorMessage(failure.value)
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) return `defect: ${errorMessage(defect.value)}`
  return Cause.isInterruptedOnly(cause) ? "interrupted" : errorMessage(Cause.squash(cause))
}
