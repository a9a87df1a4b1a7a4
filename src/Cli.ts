/** The `oneiric` command tree. Commands are thin functions of the services in MainLive. */
import * as Command from "@effect/cli/Command"
import { activityCommand } from "./Cli/Activity.js"
import { drainCommand } from "./Cli/Drain.js"
import { healthCommand } from "./Cli/Health.js"
import { pauseCommand } from "./Cli/Pause.js"
import { resumeCommand } from "./Cli/Resume.js"
import { rootCommand } from "./Cli/Root.js"
import { runCommand } from "./Cli/Run.js"
import { supervisorInfoCommand } from "./Cli/SupervisorInfo.js"

const VERSION = "0.1.0"

const oneiricCommand = rootCommand.pipe(
  Command.withDescription("Pause, drain and resume units of work; inspect the supervisor's state"),
  Command.withSubcommands([supervisorInfoCommand, activityCommand, pauseCommand, drainCommand, resumeCommand, healthCommand, runCommand])
)

/** Runs the CLI on `process.argv`-shaped arguments. */
export const cli = Command.run(oneiricCommand, { name: "oneiric", version: VERSION })
