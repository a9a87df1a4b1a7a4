import * as Layer from "effect/Layer"
import { ActivityStore } from "../src/ActivityStore.js"
import { ConfigResolver } from "../src/ConfigResolver.js"
import type { ResolvedConfigFields } from "../src/Domain/Config.js"
import { Supervisor } from "../src/Supervisor.js"
import { WorkGate } from "../src/WorkGate.js"

/** A fresh in-memory stack: store, static config, supervisor and gate (build one per test). */
export const memoryStack = (config?: Partial<ResolvedConfigFields>, store: Layer.Layer<ActivityStore, unknown> = ActivityStore.layerMemory) =>
  WorkGate.layer.pipe(
    Layer.provideMerge(Supervisor.layer),
    Layer.provideMerge(store),
    Layer.provideMerge(ConfigResolver.layerStatic(config))
  )
