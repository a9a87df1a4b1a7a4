/**
 * HealthSnapshot (DESIGN §6): builds `RuntimeHealthSnapshot` from the supervisor, the work gate, the
 * lifecycle registry, the configuration and this instance, and keeps it current in a file (written
 * atomically; what `oneiric health --probe` reads through HealthProbe) or in memory.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as path from "node:path"
import { ConfigResolver } from "./ConfigResolver.js"
import type { ConfigError } from "./Domain/Errors.js"
import type { HealthSnapshotService } from "./Domain/Health.js"
import { filePolicyOf, modesOf, prepareDir, removeStaleTemps } from "./Internal/Files.js"
import { fileSink, memorySink } from "./HealthSnapshot/File.js"
import type { SnapshotSink } from "./HealthSnapshot/File.js"
import { makeWriter } from "./HealthSnapshot/Writer.js"
import type { WriterOptions } from "./HealthSnapshot/Writer.js"
import type { Instances } from "./Instances.js"
import type { Lifecycle } from "./Lifecycle.js"
import type { Supervisor } from "./Supervisor.js"
import type { WorkGate } from "./WorkGate.js"

export { buildSnapshot } from "./HealthSnapshot/Build.js"
export type { SnapshotInput } from "./HealthSnapshot/Build.js"
export { writeFileAtomic } from "./HealthSnapshot/File.js"
export type { SnapshotSink } from "./HealthSnapshot/File.js"
export type { WriterOptions as HealthSnapshotOptions } from "./HealthSnapshot/Writer.js"
export type { HealthSnapshotService } from "./Domain/Health.js"

export interface HealthSnapshotFileOptions extends WriterOptions {
  /** Default: the configuration's `paths.health_path`. A relative path resolves against the working directory. */
  readonly path?: string | undefined
}

type Requirements = ConfigResolver | Supervisor | WorkGate | Instances | Lifecycle

export class HealthSnapshot extends Context.Tag("oneiric/HealthSnapshot")<HealthSnapshot, HealthSnapshotService>() {
  /**
   * Writes `runtime_health.json`; the final snapshot (pid cleared) is written when the layer's scope closes.
   * Its directory is created private (or refused, `ConfigError`, when others can write it: see `file_access` and
   * `allow_shared_cache_dir`), and temporary files a killed writer left there are removed first.
   */
  static layerFile = (options: HealthSnapshotFileOptions = {}): Layer.Layer<HealthSnapshot, ConfigError, Requirements> =>
    Layer.scoped(
      HealthSnapshot,
      Effect.gen(function*() {
        const config = yield* ConfigResolver
        const file = path.resolve(options.path ?? config.paths.healthPath)
        const policy = filePolicyOf(config)
        const dir = path.dirname(file)
        yield* prepareDir(dir, policy, { what: dir === config.paths.cacheDir ? "cache dir" : "health snapshot dir", create: true })
        const removed = removeStaleTemps(file)
        if (removed.length > 0) {
          yield* Effect.logInfo("HealthSnapshot.start: removed temporary files a killed writer left").pipe(Effect.annotateLogs({ files: removed.join(",") }))
        }
        return yield* makeWriter(fileSink(file, modesOf(policy.access).file), options)
      })
    )

  /** Keeps the last snapshot in a Ref: tests, and apps that serve health themselves. */
  static layerMemory = (options: WriterOptions = {}): Layer.Layer<HealthSnapshot, never, Requirements> =>
    Layer.scoped(HealthSnapshot, Effect.flatMap(memorySink, (sink) => makeWriter(sink, options)))

  /** Any other destination. */
  static layerSink = (sink: SnapshotSink, options: WriterOptions = {}): Layer.Layer<HealthSnapshot, never, Requirements> =>
    Layer.scoped(HealthSnapshot, makeWriter(sink, options))
}
