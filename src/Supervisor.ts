/**
 * Supervisor: follows the store's change feed from a scoped fiber, keeps the effective state in
 * memory, broadcasts deltas, and answers `shouldAcceptWork` synchronously (DESIGN §4).
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { ActivityStore } from "./ActivityStore.js"
import type { ConfigResolver } from "./ConfigResolver.js"
import type { SupervisorService } from "./Domain/Supervision.js"
import { makeSupervisor } from "./Supervisor/Make.js"

export type { ChangeOptions, SupervisorService } from "./Domain/Supervision.js"

export class Supervisor extends Context.Tag("oneiric/Supervisor")<Supervisor, SupervisorService>() {
  /** Needs the store and the configuration (poll interval, watchers, enabled). */
  static layer: Layer.Layer<Supervisor, never, ActivityStore | ConfigResolver> = Layer.scoped(Supervisor, makeSupervisor)
}
