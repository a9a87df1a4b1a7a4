/**
 * The `oneiric` command tree, and `main`: the command line checked and answered (help, version,
 * completions, a named mistake) or run by @effect/cli, and how it ended reported as an exit code.
 * Commands are thin functions of the services in MainLive.
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { activityCommand } from "./Cli/Activity.js"
import { parseInvocation, wantsJson } from "./Cli/Argv.js"
import { completionScript } from "./Cli/Completions.js"
import { drainCommand } from "./Cli/Drain.js"
import { InvalidUsage, reportExit } from "./Cli/Failure.js"
import { healthCommand } from "./Cli/Health.js"
import { commandHelp, programHelp } from "./Cli/Help.js"
import { describeTree } from "./Cli/Introspect.js"
import { migrateCommand } from "./Cli/Migrate.js"
import { pauseCommand } from "./Cli/Pause.js"
import { resumeCommand } from "./Cli/Resume.js"
import { rootCommand } from "./Cli/Root.js"
import { runCommand } from "./Cli/Run.js"
import { supervisorInfoCommand } from "./Cli/SupervisorInfo.js"
import { Terminal } from "./Cli/Terminal.js"
import { VERSION } from "./Internal/Version.js"

/** Each command's run is one span, `Cli.<command>`: the root of whatever the command does. */
const traced = <Name extends string, R, E, A>(name: Name, command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(command, (effect: Effect.Effect<void, E, R>) => Effect.withSpan(effect, `Cli.${name}`))

export const commandTree = rootCommand.pipe(
  Command.withDescription("pause, drain and resume units of work"),
  Command.withSubcommands([
    traced("activity", activityCommand),
    traced("pause", pauseCommand),
    traced("drain", drainCommand),
    traced("resume", resumeCommand),
    traced("health", healthCommand),
    traced("supervisor-info", supervisorInfoCommand),
    traced("migrate", migrateCommand),
    // `run` lives for hours: its work (transitions, ticks, snapshot writes, requests) is traced span by span.
    runCommand
  ])
)

/** Every command, option and argument, read from the tree (help, checks, completions, the docs test). */
export const commandTable = describeTree(commandTree)

/** @effect/cli's parser and runner, on `process.argv`-shaped arguments already checked by `main`. */
export const cli = Command.run(commandTree, { name: "oneiric", version: VERSION })

/** Runs `oneiric ...args` and returns the exit code; anything that went wrong has been printed. */
export const main = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const terminal = yield* Terminal
    const invocation = parseInvocation(commandTable, args)
    const report = { json: wantsJson(args), plain: !terminal.color }
    switch (invocation._tag) {
      case "Help":
        yield* Console.log(invocation.command === undefined ? programHelp(commandTable, VERSION, terminal) : commandHelp(commandTable, invocation.command, terminal))
        return 0
      case "Version":
        yield* Console.log(`oneiric ${VERSION}`)
        return 0
      case "Completions":
        yield* Console.log(completionScript(commandTable, invocation.shell))
        return 0
      case "Invalid":
        return yield* reportExit(new InvalidUsage({ message: invocation.message }), report)
      case "Run":
        return yield* reportExit(cli(invocation.args), report)
    }
  })
