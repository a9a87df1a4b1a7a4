/**
 * Where snapshots go: a file written atomically (what `oneiric run` uses and `oneiric health` reads),
 * or memory.
 */
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as fsp from "node:fs/promises"
import * as path from "node:path"
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

let tempCounter = 0

/**
 * Temp file in the same directory (so the rename cannot cross filesystems), fsync, rename over the
 * target, fsync the directory: a reader sees the old snapshot or the new one, never half of one,
 * even after a power cut. A failed write removes its temp file and leaves the old snapshot alone.
 */
export const writeFileAtomic = (file: string, text: string): Effect.Effect<void, HealthWriteFailed> =>
  Effect.tryPromise({
    try: async () => {
      const dir = path.dirname(file)
      await fsp.mkdir(dir, { recursive: true })
      const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tempCounter}.tmp`)
      try {
        const handle = await fsp.open(temp, "w", 0o644)
        try {
          await handle.writeFile(text, "utf8")
          await handle.sync()
        } finally {
          await handle.close()
        }
        await fsp.rename(temp, file)
      } catch (error) {
        await fsp.rm(temp, { force: true }).catch(() => undefined)
        throw error
      }
      await syncDirectory(dir)
    },
    catch: (error) => new HealthWriteFailed({ path: file, message: `cannot write health snapshot at ${file}: ${errorMessage(error)}` })
  }).pipe(
    // Interrupted halfway, the promise would still rename later and could overwrite a newer snapshot.
    Effect.uninterruptible
  )

/** Makes the rename durable; some platforms cannot sync a directory, and the rename is atomic anyway. */
const syncDirectory = async (dir: string) => {
  let handle: fsp.FileHandle | undefined
  try {
    handle = await fsp.open(dir, "r")
    await handle.sync()
  } catch {
    // Not durable across a power cut on this platform; still atomic.
  } finally {
    await handle?.close().catch(() => undefined)
  }
}

export const fileSink = (file: string): SnapshotSink => ({
  location: file,
  write: (snapshot) => Effect.suspend(() => writeFileAtomic(file, snapshotJson(snapshot))),
  read: readSnapshotFile(file)
})

/** Keeps the last snapshot in a Ref (tests, and apps that serve health themselves). */
export const memorySink: Effect.Effect<SnapshotSink> = Effect.map(Ref.make<RuntimeHealthSnapshot | null>(null), (last) => ({
  location: "memory",
  write: (snapshot) => Ref.set(last, snapshot),
  read: Effect.map(Ref.get(last), (snapshot): SnapshotRead =>
    snapshot === null ? { _tag: "Missing", reason: "no health snapshot written yet" } : { _tag: "Found", snapshot })
}))


