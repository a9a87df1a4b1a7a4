/** The `oneiric` command tree. Commands are thin functions of the services in MainLive. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Option from "effect/Option"
import { activityCommand } from "./Cli/Activity.js"
import { drainCommand } from "./Cli/Drain.js"
import { healthCommand } from "./Cli/Health.js"
import { pauseCommand } from "./Cli/Pause.js"
import { resumeCommand } from "./Cli/Resume.js"
import { runCommand } from "./Cli/Run.js"
import { supervisorInfoCommand } from "./Cli/SupervisorInfo.js"
import { ConfigLive } from "./MainLive.js"

export const VERSION = "0.1.0"

const rootOptions = {
  config: Options.text("config").pipe(Options.withDescription("Settings file (default: $ONEIRIC_CONFIG, else ./settings.toml)"), Options.optional),
  profile: Options.text("profile").pipe(Options.withDescription("default | serverless (default: $ONEIRIC_PROFILE)"), Options.optional),
  cacheDir: Options.text("cache-dir").pipe(Options.withDescription("Cache directory (default: $ONEIRIC_CACHE_DIR, else ./.oneiric_cache)"), Options.optional)
}

export const rootCommand = Command.make("oneiric", rootOptions).pipe(
  Command.withDescription("Pause, drain and resume units of work; inspect the supervisor's state"),
  Command.withSubcommands([supervisorInfoCommand, activityCommand, pauseCommand, drainCommand, resumeCommand, healthCommand, runCommand]),
  Command.provide((root) =>
    ConfigLive({
      configPath: Option.getOrUndefined(root.config),
      profile: Option.getOrUndefined(root.profile),
      cacheDir: Option.getOrUndefined(root.cacheDir)
    })
  )
)

/** Runs the CLI on `process.argv`-shaped arguments. */
export const cli = Command.run(rootCommand, { name: "oneiric", version: VERSION })
