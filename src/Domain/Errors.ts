/**
 * Typed errors for everything an operator or an embedding caller can cause.
 * Each carries the exit code the CLI maps it to (DESIGN §7).
 */
import * as Schema from "effect/Schema"

/** Exit codes of the `oneiric` CLI (DESIGN §7). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  invalid: 2,
  notReady: 3,
  drainTimeout: 4,
  storeUnavailable: 5
} as const

/** Bad input from the operator or a caller: nothing was written (exit 2). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String
}) {
  readonly exitCode = ExitCode.invalid
}

/** The configuration (profile, settings file, environment) cannot be resolved (exit 2). */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  message: Schema.String
}) {
  readonly exitCode = ExitCode.invalid
}

/** The activity store cannot be opened, read or written (exit 5). */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  message: Schema.String,
  store: Schema.String
}) {
  readonly exitCode = ExitCode.storeUnavailable
}

/** Every error the CLI renders as one line with a documented exit code. */
export type OperatorError = InvalidInput | ConfigError | StoreUnavailable | DrainTimedOut

/** `drain --wait` reached its deadline with work still in flight (exit 4). */
export class DrainTimedOut extends Schema.TaggedError<DrainTimedOut>()("DrainTimedOut", {
  message: Schema.String,
  remaining: Schema.Number
}) {
  readonly exitCode = ExitCode.drainTimeout
}
