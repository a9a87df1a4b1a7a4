/** Turns how a command ended into one stderr line, an optional JSON error object, and an exit code (DESIGN §7). */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import { ConfigError, DrainTimedOut, ExitCode, InvalidInput, StoreUnavailable } from "../Domain/Errors.js"
import { NotReady } from "../Domain/Health.js"
import { ErrorReport } from "../Domain/Report.js"
import { printJson } from "./Output.js"

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/** The first meaningful line of what @effect/cli printed for a usage error. */
const firstLine = (text: string) =>
  text.replace(ANSI, "").split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "invalid usage"

interface Outcome {
  readonly tag: string
  readonly message: string
  readonly exitCode: number
  /** The command printed its own JSON report for this failure. */
  readonly reported?: boolean
}

const outcomeOf = (cause: Cause.Cause<unknown>, usageText: string): Outcome | undefined => {
  if (Cause.isInterruptedOnly(cause)) return undefined
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    if (error instanceof InvalidInput || error instanceof ConfigError || error instanceof StoreUnavailable) {
      return { tag: error._tag, message: error.message, exitCode: error.exitCode }
    }
    // The command already printed its JSON report (with the remaining counts): one document on stdout.
    if (error instanceof DrainTimedOut || error instanceof NotReady) return { tag: error._tag, message: error.message, exitCode: error.exitCode, reported: true }
    if (ValidationError.isValidationError(error)) {
      return { tag: "InvalidUsage", message: `${firstLine(usageText)} (see --help)`, exitCode: ExitCode.invalid }
    }
  }
  const squashed = Cause.squash(cause)
  return { tag: "UnexpectedFailure", message: `unexpected failure: ${squashed instanceof Error ? squashed.message : String(squashed)}`, exitCode: ExitCode.failure }
}

/**
 * Runs `program` with @effect/cli's own usage messages captured, and reports its end.
 * Returns the exit code; a failure has been printed by then. With `plain`, ANSI styling (which
 * @effect/cli always adds to help text) is removed from stdout, for pipes and files.
 */
export const reportExit = <E, R>(program: Effect.Effect<void, E, R>, options: { readonly json: boolean; readonly plain: boolean }) =>
  Effect.gen(function*() {
    const console = yield* Effect.console
    let usageText = ""
    const capturing: Console.Console = {
      ...console,
      log: options.plain ? (...args) => console.log(...args.map((a) => (typeof a === "string" ? a.replace(ANSI, "") : a))) : console.log,
      error: (...args) => Effect.sync(() => void (usageText += args.join(" ") + "\n"))
    }
    const exit = yield* Effect.exit(Effect.withConsole(program, capturing))
    if (Exit.isSuccess(exit)) return ExitCode.ok
    const outcome = outcomeOf(exit.cause, usageText)
    if (outcome === undefined) return ExitCode.ok
    if (outcome.exitCode === ExitCode.failure) yield* Effect.logDebug("unexpected failure", exit.cause)
    yield* Console.error(`oneiric: ${outcome.message}`)
    if (options.json && outcome.reported !== true) {
      yield* printJson(ErrorReport, new ErrorReport({ error: { tag: outcome.tag, message: outcome.message, exitCode: outcome.exitCode } }))
    }
    return outcome.exitCode
  })
