/** The Lifecycle registry's contract: components, their health checks and the service interface. */
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Domain } from "./Domain.js"
import type { InvalidInput } from "./Errors.js"
import type { ComponentHealth, DuplicateComponent } from "./Health.js"

/** What a check returns: nothing (ready) or `"degraded"`. Failing, dying or timing out means `failed`. */
export type CheckOutcome = void | "degraded"

export interface ComponentSpec {
  readonly domain: Domain
  readonly key: string
  /** Without a check the component is `ready` for as long as it is registered. */
  readonly check?: Effect.Effect<CheckOutcome, unknown> | undefined
  /** Longest a check may take (default: the layer's `timeoutMs`). */
  readonly timeoutMs?: number | undefined
}

export interface RegisteredComponent {
  readonly domain: Domain
  readonly key: string
  readonly health: ComponentHealth
}

/** A component was registered, changed state (`health`), or was unregistered (`health` null). */
export interface LifecycleEvent {
  readonly domain: Domain
  readonly key: string
  readonly health: ComponentHealth | null
}

export interface LifecycleOptions {
  /** How often every check runs (default 5 s). */
  readonly intervalMs?: number | undefined
  /** Default timeout of a check (default 2 s). */
  readonly timeoutMs?: number | undefined
}

export interface LifecycleService {
  /** Register a component; the effect returned unregisters it (idempotent). Its first check runs soon after. */
  readonly register: (spec: ComponentSpec) => Effect.Effect<Effect.Effect<void>, DuplicateComponent | InvalidInput>
  /** `register` for the lifetime of the scope. */
  readonly registerScoped: (spec: ComponentSpec) => Effect.Effect<void, DuplicateComponent | InvalidInput, Scope.Scope>
  /** Every registered component, by domain then key. */
  readonly components: Effect.Effect<ReadonlyArray<RegisteredComponent>>
  /** Registered components per domain (only domains that have some). */
  readonly counts: Effect.Effect<Readonly<Record<string, number>>>
  /** Run every check now and wait for the results. */
  readonly checkNow: Effect.Effect<void>
  /** Subscribes now; the stream lives as long as the scope. State changes only, not every check. */
  readonly subscribe: Effect.Effect<Stream.Stream<LifecycleEvent>, never, Scope.Scope>
}
