/**
 * Where snapshots go: a file written atomically (what `oneiric run` uses and `oneiric health` reads),
 * or memory.
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import { modesOf, writeAtomically } from "../Internal/Files.js"
import { errorMessage } from "../Domain/Errors.js"
import { HealthWriteFailed, snapshotJson } from "../Domain/Health.js"
import type { RuntimeHealthSnapshot, SnapshotRead } from "../Domain/Health.js"
import { readSnapshotFile } from "../HealthProbe.js"

export interface SnapshotSink {
  /** The file's path, or `memory`. */
  readonly location: string
  readonly write: (snapshot: RuntimeHealthSnapshot) => Effect.Effect<void, HealthWriteFailed>
  readonly read: Effect.Effect<SnapshotRead>
}

/**
 * Temp file in the same directory, created exclusively under a random name without following a symlink, with
 * `mode` (default 0600) whatever the umask; fsync, rename over the target, fsync the directory: a reader sees
 * the old snapshot or the new one, never half of one, even after a power cut. A failed write removes its temp
 * file and leaves the old snapshot alone. The directory must exist (`HealthSnapshot.layerFile` prepares it).
 */
export const writeFileAtomic = (file: string, text: string, mode: number = modesOf("owner").file): Effect.Effect<void, HealthWriteFailed> =>
  Effect.tryPromise({
    try: () => writeAtomically(file, text, mode),
    catch: (error) => new HealthWriteFailed({ path: file, message: `cannot write health snapshot at ${file}: ${errorMessage(error)}` })
  }).pipe(
    // Interrupted halfway, the promise would still rename later and could overwrite a newer snapshot.
    Effect.uninterruptible
  )

export const fileSink = (file: string, mode?: number): SnapshotSink => ({
  location: file,
  write: (snapshot) => Effect.suspend(() => writeFileAtomic(file, snapshotJson(snapshot), mode)),
  read: readSnapshotFile(file)
})

/** Keeps the last snapshot in a Ref (tests, and apps that serve health themselves). */
export const memorySink: Effect.Effect<SnapshotSink> = Effect.map(Ref.make<RuntimeHealthSnapshot | null>(null), (last) => ({
  location: "memory",
  write: (snapshot) => Ref.set(last, snapshot),
  read: Effect.map(Ref.get(last), (snapshot): SnapshotRead =>
    snapshot === null ? { _tag: "Missing", reason: "no health snapshot written yet" } : { _tag: "Found", snapshot })
}))


