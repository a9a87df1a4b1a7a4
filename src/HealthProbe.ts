/**
 * HealthProbe: reads the health snapshot a running process writes and gives the verdict on it —
 * what `oneiric health [--probe]` reports and an exec readiness probe relies on (DESIGN §6). The
 * reader never fails: a missing, empty, truncated or foreign file is a reason for "not ready".
 */
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import { ConfigResolver } from "./ConfigResolver.js"
import { errorMessage } from "./Domain/Errors.js"
import { parseSnapshot } from "./Domain/Health.js"
import type { HealthReport, SnapshotRead } from "./Domain/Health.js"
import { probe } from "./Domain/Readiness.js"

export interface CheckOptions {
  /** The oldest acceptable snapshot; default 3 heartbeats of its writer. */
  readonly maxAgeMs?: number | undefined
}

export interface HealthProbeService {
  /** The snapshot file's absolute path. */
  readonly location: string
  /** What the file holds now. */
  readonly read: Effect.Effect<SnapshotRead>
  /** The verdict on the file now. */
  readonly check: (options?: CheckOptions) => Effect.Effect<HealthReport>
}

/** Reads a snapshot file tolerantly: every problem is a reason naming the file. */
export const readSnapshotFile = (file: string): Effect.Effect<SnapshotRead> =>
  Effect.promise(async (): Promise<SnapshotRead> => {
    let text: string
    try {
      text = await fsp.readFile(file, "utf8")
    } catch (error) {
      return isMissing(error)
        ? { _tag: "Missing", reason: `no health snapshot at ${file}` }
        : { _tag: "Corrupt", reason: `health snapshot at ${file} cannot be read: ${errorMessage(error)}` }
    }
    return parseSnapshot(file, text)
  })

const isMissing = (error: unknown) => typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT"

/** `kill(pid, 0)` delivers nothing and tells whether the process exists; EPERM means it does, as someone else's. */
const isPidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM"
  }
}

const make = (file: string): HealthProbeService => {
  const read = readSnapshotFile(file)
  return {
    location: file,
    read,
    check: (options) =>
      Effect.gen(function*() {
        return probe(yield* read, { path: file, now: yield* DateTime.now, maxAgeMs: options?.maxAgeMs, host: os.hostname(), isAlive: isPidAlive })
      })
  }
}

export class HealthProbe extends Context.Tag("oneiric/HealthProbe")<HealthProbe, HealthProbeService>() {
  /** The file the configuration names (`paths.health_path`). */
  static layer: Layer.Layer<HealthProbe, never, ConfigResolver> = Layer.effect(
    HealthProbe,
    Effect.map(ConfigResolver, (config) => make(config.paths.healthPath))
  )

  /** A given file. */
  static layerFile = (file: string): Layer.Layer<HealthProbe> => Layer.succeed(HealthProbe, make(file))
}
