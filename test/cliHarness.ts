import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import { main } from "../src/Cli.js"
import { StdoutBytes } from "../src/Cli/Output.js"
import { Terminal } from "../src/Cli/Terminal.js"
import { makeSignalHub, ProcessSignals } from "../src/ProcessSignals.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** What was written raw to the terminal (the live progress line), as written. */
  readonly written: string
}

export interface TerminalOptions {
  readonly isTTY?: boolean
  readonly color?: boolean
  readonly columns?: number
}

/** Runs the CLI in-process as `oneiric ...args`, with stdout, stderr and terminal writes captured (no terminal by default). */
export const runCliOn = (terminal: TerminalOptions, ...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    let written = ""
    const console = yield* Effect.console
    const mock = {
      ...console,
      log: (...line: ReadonlyArray<unknown>) => Effect.sync(() => void stdout.push(line.join(" "))),
      error: (...line: ReadonlyArray<unknown>) => Effect.sync(() => void stderr.push(line.join(" ")))
    }
    // Pieces printed as bytes end with a newline: one entry per line, as `log` adds them.
    const bytes = { write: (piece: Uint8Array) => Effect.sync(() => void stdout.push(new TextDecoder().decode(piece).replace(/\n$/, ""))) }
    const code = yield* main(args).pipe(
      Effect.withConsole(mock),
      Effect.provideService(StdoutBytes, bytes),
      Effect.provide(NodeContext.layer),
      Effect.provide(ProcessSignals.layer(makeSignalHub())),
      Effect.provide(Terminal.layer({
        isTTY: terminal.isTTY ?? false,
        color: terminal.color ?? false,
        columns: terminal.columns ?? 80,
        write: (text) => void (written += text)
      }))
    )
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n"), written } satisfies CliResult
  })

/** Runs the CLI in-process as `oneiric ...args` without a terminal (as in a pipe). */
export const runCli = (...args: ReadonlyArray<string>) => runCliOn({}, ...args)

export const parsed = (result: CliResult): unknown => JSON.parse(result.stdout)
