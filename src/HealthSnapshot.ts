/**
 * HealthSnapshot (DESIGN §6): builds `RuntimeHealthSnapshot` from the supervisor, the work gate, the
 * lifecycle registry, the configuration and this instance, and keeps it current in a file (written
 * atomically; what `oneiric health --probe` reads) or in memory.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import { ConfigResolver } from "./ConfigResolver.js"
import type { HealthWriteFailed, RuntimeHealthSnapshot } from "./Domain/Health.js"
import { fileSink, memorySink } from "./HealthSnapshot/File.js"
import type { SnapshotRead, SnapshotSink } from "./HealthSnapshot/File.js"
import { makeHealthSnapshot } from "./HealthSnapshot/Make.js"
import type { Instances } from "./Instances.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { Supervisor } from "./Supervisor.js"
import type { WorkGate } from "./WorkGate.js"

export { buildSnapshot, Reasons } from "./HealthSnapshot/Build.js"
export type { SnapshotInput, WriterPhase } from "./HealthSnapshot/Build.js"
export { fileSink, memorySink, parseSnapshot, readSnapshotFile, snapshotJson, writeFileAtomic } from "./HealthSnapshot/File.js"
export type { SnapshotRead, SnapshotSink } from "./HealthSnapshot/File.js"
export { DEFAULT_COALESCE_MS, DEFAULT_HEALTH_HEARTBEAT_MS } from "./HealthSnapshot/Make.js"
export { DEFAULT_MAX_AGE_MS, isPidAlive, MAX_AGE_HEARTBEATS, probe } from "./HealthSnapshot/Probe.js"
export type { ProbeOptions } from "./HealthSnapshot/Probe.js"

export interface HealthSnapshotOptions {
  /** Write at least this often when nothing changes (default 5 s). */
  readonly heartbeatMs?: number | undefined
  /** At most one write per this window during a burst of changes (default 50 ms). */
  readonly coalesceMs?: number | undefined
}

export interface HealthSnapshotFileOptions extends HealthSnapshotOptions {
  /** Default: the configuration's `paths.health_path`. A relative path resolves against the working directory. */
  readonly path?: string | undefined
}

export interface HealthSnapshotService {
  /** The file's absolute path, or `memory`. */
  readonly location: string
  /** The snapshot of this instant, not written (for `/readyz`). */
  readonly current: Effect.Effect<RuntimeHealthSnapshot>
  /** Build and write now; a failure also makes the supervisor report itself unhealthy until a write succeeds. */
  readonly writeNow: Effect.Effect<RuntimeHealthSnapshot, HealthWriteFailed>
  /** From now on `ready` is false (`shutting-down`); writes at once. */
  readonly beginShutdown: Effect.Effect<void>
  /** What the file (or memory) holds now, read tolerantly. */
  readonly read: Effect.Effect<SnapshotRead>
  /** The last snapshot written by this service, if any. */
  readonly lastWritten: Effect.Effect<RuntimeHealthSnapshot | null>
}

type Requirements = ConfigResolver | Supervisor | WorkGate | Instances | Lifecycle

export class HealthSnapshot extends Context.Tag("oneiric/HealthSnapshot")<HealthSnapshot, HealthSnapshotService>() {
  /** Writes `runtime_health.json`; the final snapshot (pid cleared) is written when the layer's scope closes. */
  static layerFile = (options: HealthSnapshotFileOptions = {}): Layer.Layer<HealthSnapshot, never, Requirements> =>
    Layer.scoped(
      HealthSnapshot,
      Effect.flatMap(ConfigResolver, (config) => makeHealthSnapshot(fileSink(path.resolve(options.path ?? config.paths.health_path)), options))
    )

  /** Keeps the last snapshot in a Ref: tests, and apps that serve health themselves. */
  static layerMemory = (options: HealthSnapshotOptions = {}): Layer.Layer<HealthSnapshot, never, Requirements> =>
    Layer.scoped(HealthSnapshot, Effect.flatMap(memorySink, (sink) => makeHealthSnapshot(sink, options)))

  /** Any other destination. */
  static layerSink = (sink: SnapshotSink, options: HealthSnapshotOptions = {}): Layer.Layer<HealthSnapshot, never, Requirements> =>
    Layer.scoped(HealthSnapshot, makeHealthSnapshot(sink, options))
}
