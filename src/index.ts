/**
 * oneiric-supervisor as a library: the services, their Layers, the domain Schemas and the errors.
 * Embedding apps provide their own Layers in place of these where they need to. Each service is also
 * a subpath of its own (`oneiric-supervisor/ActivityStore`, …; see package.json "exports").
 */
export * from "./Domain.js"
export * from "./Bridges.js"
export { ActivityStore } from "./ActivityStore.js"
export type { SqliteOptions } from "./ActivityStore.js"
export { ConfigResolver } from "./ConfigResolver.js"
export type { ConfigOptions } from "./ConfigResolver.js"
export { Supervisor } from "./Supervisor.js"
export { WorkGate } from "./WorkGate.js"
export type { DrainOutcome, WorkGateService } from "./WorkGate.js"
export { DEFAULT_HEARTBEAT_MS, Instances } from "./Instances.js"
export type { InstancesService } from "./Instances.js"
export { HealthSnapshot } from "./HealthSnapshot.js"
export type { HealthSnapshotFileOptions, HealthSnapshotOptions, SnapshotSink } from "./HealthSnapshot.js"
export { HealthProbe } from "./HealthProbe.js"
export type { CheckOptions, HealthProbeService } from "./HealthProbe.js"
export { Lifecycle } from "./Lifecycle.js"
export { ActivityQuery } from "./ActivityQuery.js"
export { Operator } from "./Operator.js"
export type { FleetWaitOptions, OperatorService, TransitionOptions } from "./Operator.js"
export {
  ConfigLive, LoggerLive, OperatorLive, OrchestratorFromConfig, OrchestratorLive, QueryLive, RuntimeFromConfig, RuntimeLive,
  RuntimeLive as layer, StoreLive
} from "./MainLive.js"
export type { OrchestratorOptions, RuntimeOptions } from "./MainLive.js"
