/**
 * `oneiric-supervisor/Domain`: the domain Schemas (domains, keys, rows, transitions, deltas, the
 * configuration, the health snapshot and the JSON report shapes), the rules of the state model, every
 * service's contract, and the typed errors.
 */
export * from "./Domain/Activity.js"
export * from "./Domain/ActivityKey.js"
export * from "./Domain/Config.js"
export * from "./Domain/Dispatch.js"
export * from "./Domain/Domain.js"
export * from "./Domain/Drain.js"
export * from "./Domain/Errors.js"
export * from "./Domain/Fleet.js"
export * from "./Domain/Health.js"
export * from "./Domain/Instance.js"
export type * from "./Domain/Lifecycle.js"
export type * from "./Domain/Query.js"
export * from "./Domain/Report.js"
export { changesRow, effectiveState, nextRow } from "./Domain/Rules.js"
export * from "./Domain/Store.js"
export * from "./Domain/Supervision.js"
