/**
 * oneiric-supervisor as a library: the services, their Layers, the domain Schemas and the errors.
 * Embedding apps provide their own Layers in place of these where they need to. Each service is also
 * a subpath of its own (`oneiric-supervisor/ActivityStore`, …; see package.json "exports").
 */
export { ActivityStore } from "./ActivityStore.js"
export type { ActivityStoreService, ChangeBatch, HistoryFilter, ListFilter, TransitionRequest, TransitionResult } from "./ActivityStore.js"
export { effectiveState, nextRow } from "./ActivityStore/Rules.js"
export { ConfigResolver } from "./ConfigResolver.js"
export type { ConfigOptions } from "./ConfigResolver.js"
export * from "./Domain.js"
export { ConfigLive, LoggerLive, RuntimeFromConfig, RuntimeLive, RuntimeLive as layer, StoreLive } from "./MainLive.js"
export type { RuntimeOptions } from "./MainLive.js"
export { OrchestratorFromConfig, OrchestratorLive } from "./Orchestrator.js"
export type { OrchestratorOptions } from "./Orchestrator.js"
export { HealthSnapshot } from "./HealthSnapshot.js"
export type { HealthSnapshotService } from "./HealthSnapshot.js"
export { Lifecycle } from "./Lifecycle.js"
export type { ComponentSpec, LifecycleService, RegisteredComponent } from "./Lifecycle.js"
export { DEFAULT_HEARTBEAT_MS, Instances } from "./Instances.js"
export type { InstancesService } from "./Instances.js"
export { Supervisor } from "./Supervisor.js"
export type { ChangeOptions, SupervisorService } from "./Supervisor.js"
export { WorkGate } from "./WorkGate.js"
export type { DrainOutcome, WorkGateService } from "./WorkGate.js"
export * from "./Bridges.js"
