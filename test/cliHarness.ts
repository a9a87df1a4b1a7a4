import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import { cli } from "../src/Cli.js"
import { hoistRootOptions } from "../src/Cli/Argv.js"
import { reportExit } from "../src/Cli/Failure.js"
import { makeSignalHub, ProcessSignals } from "../src/ProcessSignals.js"

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI in-process as `oneiric ...args`, with stdout and stderr captured. */
export const runCli = (...args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    const console = yield* Effect.console
    const mock = {
      ...console,
      log: (...line: ReadonlyArray<unknown>) => Effect.sync(() => void stdout.push(line.join(" "))),
      error: (...line: ReadonlyArray<unknown>) => Effect.sync(() => void stderr.push(line.join(" ")))
    }
    const argv = hoistRootOptions(["node", "oneiric", ...args])
    const code = yield* reportExit(cli(argv), { json: argv.includes("--json"), plain: true }).pipe(
      Effect.withConsole(mock),
      Effect.provide(NodeContext.layer),
      Effect.provide(ProcessSignals.layer(makeSignalHub()))
    )
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") } satisfies CliResult
  })

export const parsed = (result: CliResult): unknown => JSON.parse(result.stdout)
