/**
 * Lifecycle: the components an embedding app (or the demo) runs, registered per domain with an
 * optional health check. A scoped fiber runs every check on an interval, each bounded by a timeout,
 * and keeps the last result; the health snapshot reports them (`lifecycle_state`) and their counts
 * per domain, and a failed component makes the process not ready (DESIGN §6).
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { LifecycleOptions, LifecycleService } from "./Domain/Lifecycle.js"
import { makeRegistry } from "./Lifecycle/Registry.js"

export type {
  CheckOutcome, ComponentSpec, LifecycleEvent, LifecycleOptions, LifecycleService, RegisteredComponent
} from "./Domain/Lifecycle.js"

export class Lifecycle extends Context.Tag("oneiric/Lifecycle")<Lifecycle, LifecycleService>() {
  /** The registry and its checking fiber (interrupted when the layer's scope closes). */
  static layer = (options: LifecycleOptions = {}): Layer.Layer<Lifecycle> => Layer.scoped(Lifecycle, makeRegistry(options))
}
