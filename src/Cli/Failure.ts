/** Turns how a command ended into one stderr line, an optional JSON error object, and an exit code (DESIGN §7). */
import * as ValidationError from "@effect/cli/ValidationError"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Match from "effect/Match"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ConfigError, DrainInterrupted, DrainTimedOut, InvalidInput, ListenFailed, StoreUnavailable, WaitTimedOut, WorkInterrupted } from "../Domain/Errors.js"
import { causeMessage, escapeControl } from "../Domain/Errors.js"
import type { NotReady } from "../Domain/Health.js"
import { ErrorReport } from "../Domain/Report.js"
import { printJson, StdoutBytes } from "./Output.js"

/** Exit codes of the `oneiric` CLI (DESIGN §7; docs/cli.md "Exit codes"). */
const ExitCode = {
  ok: 0,
  failure: 1,
  invalid: 2,
  notReady: 3,
  drainTimeout: 4,
  storeUnavailable: 5,
  /** Interrupted by SIGINT/SIGTERM (a command other than `run`, which shuts down and reports). */
  interrupted: 130
} as const

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g

/** Control characters escaped, so a message stays one line and cannot move a terminal's cursor. */
const oneLine = escapeControl

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

/** The command line itself is wrong (an unknown command or option, a missing value): nothing ran. */
export class InvalidUsage extends Schema.TaggedError<InvalidUsage>()("InvalidUsage", {
  message: Schema.String
}) {}

/** Every error a command can fail with; `reportExit` only accepts programs whose errors are all mapped here. */
export type CommandError =
  | InvalidUsage
  | InvalidInput
  | ConfigError
  | ListenFailed
  | StoreUnavailable
  | DrainTimedOut
  | DrainInterrupted
  | WaitTimedOut
  | NotReady
  | WorkInterrupted

/** The exit code of every error: the CLI owns this mapping, not the domain. */
const outcomeOfError = (usageText: string) =>
  Match.type<CommandError | ValidationError.ValidationError>().pipe(
    Match.tags({
      InvalidUsage: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.invalid }),
      InvalidInput: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.invalid }),
      ConfigError: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.invalid }),
      // The address is the operator's choice (`--port`, `--host`, $PORT, settings): usage, like a bad option.
      ListenFailed: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.invalid }),
      StoreUnavailable: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.storeUnavailable }),
      // These commands already printed their JSON report (the remaining counts, the reasons): one document on stdout.
      DrainTimedOut: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.drainTimeout, reported: true }),
      // Nothing runs any more, but work under the key was cut at shutdown rather than finished: a deploy script
      // that waits for a clean drain must not go on as if it had been.
      DrainInterrupted: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.drainTimeout, reported: true }),
      WaitTimedOut: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.drainTimeout, reported: true }),
      NotReady: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.notReady, reported: true }),
      WorkInterrupted: (e): Outcome => ({ tag: e._tag, message: e.message, exitCode: ExitCode.failure })
    }),
    // What @effect/cli rejected while parsing: it printed the usage text, whose first line says what.
    Match.orElse((): Outcome => ({ tag: "InvalidUsage", message: `${firstLine(usageText)} (see --help)`, exitCode: ExitCode.invalid }))
  )

const outcomeOf = (cause: Cause.Cause<CommandError | ValidationError.ValidationError>, usageText: string): Outcome | undefined => {
  if (Cause.isInterruptedOnly(cause)) return undefined
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) return outcomeOfError(usageText)(failure.value)
  return { tag: "UnexpectedFailure", message: `unexpected failure: ${causeMessage(cause)}`, exitCode: ExitCode.failure }
}

/**
 * Runs `program` with @effect/cli's own usage messages captured, and reports its end.
 * Returns the exit code; a failure has been printed by then. With `plain`, ANSI styling (which
 * @effect/cli always adds to help text) is removed from stdout, for pipes and files.
 */
export const reportExit = <R>(program: Effect.Effect<void, CommandError | ValidationError.ValidationError, R>, options: { readonly json: boolean; readonly plain: boolean }) =>
  Effect.gen(function*() {
    const console = yield* Effect.console
    let usageText = ""
    const capturing: Console.Console = {
      ...console,
      // `includes` first: a 30 MB report has no escape to strip, and scanning for one is cheaper than the regex.
      log: options.plain
        ? (...args) => console.log(...args.map((a) => (typeof a === "string" && a.includes("\u001b") ? a.replace(ANSI, "") : a)))
        : console.log,
      error: (...args) => Effect.sync(() => void (usageText += args.join(" ") + "\n"))
    }
    const stdout = yield* StdoutBytes
    // Plain output: the same stripping for what is printed as bytes (ESC is one byte in UTF-8; most pieces have none).
    const plainBytes = {
      write: (bytes: Uint8Array) =>
        bytes.includes(0x1b) ? stdout.write(Buffer.from(new TextDecoder().decode(bytes).replace(ANSI, ""))) : stdout.write(bytes)
    }
    const captured = Effect.withConsole(program, capturing)
    const exit = yield* Effect.exit(options.plain ? Effect.provideService(captured, StdoutBytes, plainBytes) : captured)
    if (Exit.isSuccess(exit)) return ExitCode.ok
    const outcome = outcomeOf(exit.cause, usageText)
    if (outcome === undefined) return ExitCode.interrupted
    if (outcome.exitCode === ExitCode.failure) yield* Effect.logDebug("unexpected failure", exit.cause)
    const message = oneLine(outcome.message)
    yield* Console.error(`oneiric: ${message}`)
    if (options.json && outcome.reported !== true) {
      yield* printJson(ErrorReport, new ErrorReport({ error: { tag: outcome.tag, message, exitCode: outcome.exitCode } }))
    }
    return outcome.exitCode
  })
