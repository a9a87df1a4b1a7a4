/**
 * oneiric-supervisor as a library: the services, their Layers, the domain Schemas and the errors.
 * Embedding apps provide their own Layers in place of these where they need to.
 */
export { ActivityStore } from "./ActivityStore.js"
export type { ActivityStoreService, ChangeBatch, HistoryFilter, ListFilter, TransitionRequest, TransitionResult } from "./ActivityStore.js"
export { effectiveState, nextRow } from "./ActivityStore/Rules.js"
export { ConfigResolver } from "./ConfigResolver.js"
export type { ConfigOptions } from "./ConfigResolver.js"
export * from "./Domain/Activity.js"
export * from "./Domain/ActivityKey.js"
export * from "./Domain/Config.js"
export * from "./Domain/Domain.js"
export * from "./Domain/Errors.js"
export * from "./Domain/Report.js"
export * from "./Domain/Instance.js"
export * from "./Domain/Supervision.js"
export { ConfigLive, StoreLive } from "./MainLive.js"
export { Supervisor } from "./Supervisor.js"
export type { ChangeOptions, SupervisorService } from "./Supervisor.js"
export { WorkGate } from "./WorkGate.js"
export type { DrainOutcome, WorkGateService } from "./WorkGate.js"
