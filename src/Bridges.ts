/**
 * `oneiric-supervisor/Bridges`: dispatch through the WorkGate. Events (`makeEventDispatcher`: a
 * refused handler is `rejected`, never a failure), workflows (`startWorkflow`: the workflow key at
 * start and between nodes, each node by its task key) and adapters/services/tasks (`use`, `withUnit`).
 * Their result Schemas (`HandlerResult`, `WorkflowRun`, …) are in `oneiric-supervisor/Domain`.
 */
export { countByOutcome, makeEventDispatcher } from "./Bridges/Events.js"
export type { EventDispatcher, EventHandler, HandlerPolicy } from "./Bridges/Events.js"
export { UnitDomain, use, withUnit } from "./Bridges/Units.js"
export { start as startWorkflow, validate as validateWorkflow } from "./Bridges/Workflows.js"
export type { WorkflowDefinition, WorkflowNode } from "./Bridges/Workflows.js"
