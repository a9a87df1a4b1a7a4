/**
 * The application's Layers, composed once: the CLI commands (and, later, the orchestrator) build
 * from these and nothing else.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityStore } from "./ActivityStore.js"
import { ConfigResolver } from "./ConfigResolver.js"
import type { ConfigOptions } from "./ConfigResolver.js"
import { StoreUnavailable } from "./Domain/Errors.js"

/** The configuration from the root options, the settings file and the environment. */
export const ConfigLive = (options: ConfigOptions) => ConfigResolver.layer(options)

/** The store the configuration names: the embedded SQLite file by default. */
export const StoreLive: Layer.Layer<ActivityStore, StoreUnavailable, ConfigResolver> = Layer.unwrapEffect(
  Effect.map(ConfigResolver, (config) =>
    config.store_kind === "sqlite"
      ? ActivityStore.layerSqlite({ filename: config.paths.activity_store })
      : Layer.fail(
        new StoreUnavailable({
          store: config.redacted().paths.activity_store,
          message: "a PostgreSQL activity store is not available in this version; unset ONEIRIC_ACTIVITY_STORE to use the embedded SQLite store"
        })
      ))
)
