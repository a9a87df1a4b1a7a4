/**
 * Supervisor: follows the store's change feed from a scoped fiber, keeps the effective state in
 * memory, broadcasts deltas, and answers `shouldAcceptWork` synchronously (DESIGN §4).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { ActivityStore, TransitionRequest, TransitionResult } from "./ActivityStore.js"
import type { ConfigResolver } from "./ConfigResolver.js"
import type { ActivityEntry, EffectiveState } from "./Domain/Activity.js"
import type { Domain } from "./Domain/Domain.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import type { ActivityDelta, SupervisorStatus, WorkRejected } from "./Domain/Supervision.js"
import { makeSupervisor } from "./Supervisor/Make.js"

export interface ChangeOptions {
  /** Only this domain's deltas. */
  readonly domain?: Domain | undefined
  /** First the current state (one `replay` delta per row), then the changes. */
  readonly replay?: boolean | undefined
}

export interface SupervisorService {
  /** A synchronous in-memory lookup: may `(domain, key)` start new work now? */
  readonly shouldAcceptWork: (domain: Domain, key: string) => boolean
  /** `null` when the key accepts work, else why not (state, deciding rule, note). */
  readonly refusal: (domain: Domain, key: string) => WorkRejected | null
  readonly stateOf: (domain: Domain, key: string) => EffectiveState
  /** For running work: has its key been drained since it started? */
  readonly isDraining: (domain: Domain, key: string) => boolean
  /** Every stored row as this process knows it. */
  readonly snapshot: () => ReadonlyArray<ActivityEntry>
  /** The change-feed position applied so far. */
  readonly appliedSeq: () => number
  readonly status: Effect.Effect<SupervisorStatus>
  /** The deltas from when the stream starts running. */
  readonly changes: (options?: ChangeOptions) => Stream.Stream<ActivityDelta>
  /** Subscribes now (nothing published after this call is missed); the stream lives as long as the scope. */
  readonly subscribe: (options?: ChangeOptions) => Effect.Effect<Stream.Stream<ActivityDelta>, never, Scope.Scope>
  /** Write through the store; the change is in effect here before this returns. */
  readonly transition: (request: TransitionRequest) => Effect.Effect<TransitionResult, StoreUnavailable>
  /** Run one tick now (tests, and callers that know the store changed). */
  readonly refresh: Effect.Effect<void, StoreUnavailable>
  /**
   * Another part of the process reports a problem (a message) or its recovery (`null`) under
   * `source`; `status.healthy` is false while any is reported.
   */
  readonly reportHealth: (source: string, problem: string | null) => Effect.Effect<void>
  /** Resolves once the whole state has been loaded. */
  readonly awaitReady: Effect.Effect<void>
  /** From now on every gate refuses with `shutting-down`. */
  readonly beginShutdown: Effect.Effect<void>
}

export class Supervisor extends Context.Tag("oneiric/Supervisor")<Supervisor, SupervisorService>() {
  /** Needs the store and the configuration (poll interval, watchers, enabled). */
  static layer: Layer.Layer<Supervisor, never, ActivityStore | ConfigResolver> = Layer.scoped(Supervisor, makeSupervisor)
}
