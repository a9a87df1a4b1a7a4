/**
 * `oneiric-supervisor/Domain`: the domain Schemas (domains, keys, rows, transitions, deltas, the
 * configuration and the JSON report shapes), the rule helpers on keys, and the typed errors.
 */
export * from "./Domain/Activity.js"
export * from "./Domain/ActivityKey.js"
export * from "./Domain/Config.js"
export * from "./Domain/Dispatch.js"
export * from "./Domain/Domain.js"
export * from "./Domain/Drain.js"
export * from "./Domain/Errors.js"
export * from "./Domain/Health.js"
export * from "./Domain/Instance.js"
export * from "./Domain/Report.js"
export * from "./Domain/Supervision.js"
