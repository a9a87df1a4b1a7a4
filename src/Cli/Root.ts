/**
 * The root command and its options, and how a command gets its configuration: the root options
 * (`--config`, `--profile`, `--cache-dir`, `--store`) and the command's own (`--health-path`, `--host`, …) all
 * enter through the ConfigResolver, so every value shows the layer that decided it.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ConfigResolver } from "../ConfigResolver.js"
import type { ConfigOptions } from "../ConfigResolver.js"
import type { ConfigError } from "../Domain/Errors.js"
import { ConfigLive } from "../MainLive.js"

const rootOptions = {
  config: Options.text("config").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription("Settings file (default: $ONEIRIC_CONFIG, ./settings.toml)"),
    Options.optional
  ),
  profile: Options.text("profile").pipe(
    Options.withPseudoName("NAME"),
    Options.withDescription("default | serverless (default: $ONEIRIC_PROFILE or default)"),
    Options.optional
  ),
  cacheDir: Options.text("cache-dir").pipe(
    Options.withPseudoName("DIR"),
    Options.withDescription("Store and snapshot directory (default: ./.oneiric_cache)"),
    Options.optional
  ),
  store: Options.text("store").pipe(
    Options.withPseudoName("STORE"),
    Options.withDescription("SQLite file or postgres:// URL (default: in --cache-dir)"),
    Options.optional
  )
}

/** `oneiric` with its root options; the subcommands are attached in Cli.ts. */
export const rootCommand = Command.make("oneiric", rootOptions)

/** The options a command adds to the root ones; each overrides the environment and the settings file. */
export type CommandConfig = Omit<ConfigOptions, "configPath" | "profile" | "cacheDir" | "activityStore" | "env" | "cwd">

/** The configuration layer for this invocation: root options plus the command's own. */
export const configLayer = (own: CommandConfig = {}): Effect.Effect<Layer.Layer<ConfigResolver, ConfigError>, never, Command.Command.Context<"oneiric">> =>
  Effect.map(rootCommand, (root) =>
    ConfigLive({
      configPath: Option.getOrUndefined(root.config),
      profile: Option.getOrUndefined(root.profile),
      cacheDir: Option.getOrUndefined(root.cacheDir),
      activityStore: Option.getOrUndefined(root.store),
      ...own
    }))

/** Runs `body` with `layer` built over this invocation's configuration. */
export const withLayer = <ROut, E2>(layer: Layer.Layer<ROut, E2, ConfigResolver>, own: CommandConfig = {}) =>
<A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.flatMap(configLayer(own), (config) => Effect.provide(body, Layer.provideMerge(layer, config)))
