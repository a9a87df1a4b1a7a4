/**
 * The orchestrator's Layers (`OrchestratorLive`): what `oneiric run` builds, and what an embedding
 * app uses to get the same process without the HTTP server. The process lifecycle of `run`
 * (serve until a signal, then shut down within the budget) is `orchestrate`, in Cli/Orchestrate.ts,
 * so that the library never loads the HTTP stack.
 */
import * as Layer from "effect/Layer"
import type { ActivityStore } from "./ActivityStore.js"
import type { ConfigResolver } from "./ConfigResolver.js"
import type { ConfigError, StoreUnavailable } from "./Domain/Errors.js"
import { HealthSnapshot } from "./HealthSnapshot.js"
import type { Instances } from "./Instances.js"
import { Lifecycle } from "./Lifecycle.js"
import { ConfigLive, RuntimeFromConfig } from "./MainLive.js"
import type { RuntimeOptions } from "./MainLive.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

export interface OrchestratorOptions extends RuntimeOptions {
  /** Where the health snapshot goes (default: the configuration's `paths.health_path`). */
  readonly healthPath?: string | undefined
  readonly healthHeartbeatMs?: number | undefined
  readonly checkIntervalMs?: number | undefined
}

type OrchestratorLayerOptions = Pick<OrchestratorOptions, "healthPath" | "healthHeartbeatMs" | "checkIntervalMs" | "heartbeatMs">

/**
 * `RuntimeLive` plus the lifecycle registry and the health snapshot writer. The health layer is
 * released first, so the stop snapshot is written while the supervisor is still up.
 */
export const OrchestratorLive = (options: OrchestratorOptions = {}): Layer.Layer<
  HealthSnapshot | Lifecycle | Instances | WorkGate | Supervisor | ActivityStore | ConfigResolver,
  ConfigError | StoreUnavailable
> => Layer.provideMerge(OrchestratorFromConfig(options), ConfigLive(options))

/** `OrchestratorLive` over a ConfigResolver the caller provides (what `oneiric run` builds). */
export const OrchestratorFromConfig = (options: OrchestratorLayerOptions = {}): Layer.Layer<
  HealthSnapshot | Lifecycle | Instances | WorkGate | Supervisor | ActivityStore,
  StoreUnavailable,
  ConfigResolver
> =>
  HealthSnapshot.layerFile({ path: options.healthPath, heartbeatMs: options.healthHeartbeatMs }).pipe(
    Layer.provideMerge(Lifecycle.layer({ intervalMs: options.checkIntervalMs })),
    Layer.provideMerge(RuntimeFromConfig(options))
  )
