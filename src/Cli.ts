/** The `oneiric` command tree. Commands are thin functions of the services in MainLive. */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import { activityCommand } from "./Cli/Activity.js"
import { drainCommand } from "./Cli/Drain.js"
import { healthCommand } from "./Cli/Health.js"
import { pauseCommand } from "./Cli/Pause.js"
import { resumeCommand } from "./Cli/Resume.js"
import { rootCommand } from "./Cli/Root.js"
import { runCommand } from "./Cli/Run.js"
import { supervisorInfoCommand } from "./Cli/SupervisorInfo.js"
import { VERSION } from "./Internal/Version.js"

/** Each command's run is one span, `Cli.<command>`: the root of whatever the command does. */
const traced = <Name extends string, R, E, A>(name: Name, command: Command.Command<Name, R, E, A>) =>
  Command.transformHandler(command, (effect: Effect.Effect<void, E, R>) => Effect.withSpan(effect, `Cli.${name}`))

const oneiricCommand = rootCommand.pipe(
  Command.withDescription("Pause, drain and resume units of work; inspect the supervisor's state"),
  Command.withSubcommands([
    traced("supervisor-info", supervisorInfoCommand),
    traced("activity", activityCommand),
    traced("pause", pauseCommand),
    traced("drain", drainCommand),
    traced("resume", resumeCommand),
    traced("health", healthCommand),
    // `run` lives for hours: its work (transitions, ticks, snapshot writes, requests) is traced span by span.
    runCommand
  ])
)

/** Runs the CLI on `process.argv`-shaped arguments. */
export const cli = Command.run(oneiricCommand, { name: "oneiric", version: VERSION })
