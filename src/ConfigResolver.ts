/**
 * `ConfigResolver` (DESIGN §5): the service value IS the resolved configuration — profile default < settings file <
 * environment < CLI option, with the deciding layer of every value. Resolved once when the layer is built; a
 * config that does not resolve fails the layer with a `ConfigError` naming the culprit (exit 2).
 *
 * Build the layer once per process and reuse the value (layers memoize by identity).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { ResolvedConfig, ResolvedConfigFields } from "./Domain/Config.js"
import type { ConfigError } from "./Domain/Errors.js"
import { type ConfigOptions, resolve } from "./ConfigResolver/Resolve.js"
import { makeStatic } from "./ConfigResolver/Static.js"

export type { ConfigOptions } from "./ConfigResolver/Resolve.js"

export class ConfigResolver extends Context.Tag("oneiric/ConfigResolver")<ConfigResolver, ResolvedConfig>() {
  /** Reads the settings file (if any) and the environment; `options` are the CLI's root flags. */
  static readonly resolve: (options?: ConfigOptions) => Effect.Effect<ResolvedConfig, ConfigError> = resolve

  /** The live layer: resolves once, at build time. */
  static readonly layer = (options: ConfigOptions = {}): Layer.Layer<ConfigResolver, ConfigError> =>
    Layer.effect(ConfigResolver, resolve(options))

  /** The `default` profile under `/tmp/oneiric-test`, no file and no env; `overrides` replace top-level fields. */
  static readonly layerStatic = (overrides?: Partial<ResolvedConfigFields>): Layer.Layer<ConfigResolver> =>
    Layer.succeed(ConfigResolver, makeStatic(overrides))

  /** The value `layerStatic` provides, for tests that need to derive an override from it. */
  static readonly makeStatic: (overrides?: Partial<ResolvedConfigFields>) => ResolvedConfig = makeStatic
}
