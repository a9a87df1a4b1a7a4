/**
 * Lifecycle: the components an embedding app (or the demo) runs, registered per domain with an
 * optional health check. A scoped fiber runs every check on an interval, each bounded by a timeout,
 * and keeps the last result; the health snapshot reports them (`lifecycle_state`) and their counts
 * per domain, and a failed component makes the process not ready (DESIGN §6).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Domain } from "./Domain/Domain.js"
import type { InvalidInput } from "./Domain/Errors.js"
import type { ComponentHealth, DuplicateComponent } from "./Domain/Health.js"
import { makeRegistry } from "./Lifecycle/Registry.js"

export { DEFAULT_CHECK_INTERVAL_MS, DEFAULT_CHECK_TIMEOUT_MS } from "./Lifecycle/Registry.js"

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

export class Lifecycle extends Context.Tag("oneiric/Lifecycle")<Lifecycle, LifecycleService>() {
  /** The registry and its checking fiber (interrupted when the layer's scope closes). */
  static layer = (options: LifecycleOptions = {}): Layer.Layer<Lifecycle> => Layer.scoped(Lifecycle, makeRegistry(options))
}
