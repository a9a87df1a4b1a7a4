/**
 * Where snapshots go: a file written atomically (what `oneiric run` uses and `oneiric health` reads),
 * or memory. Reading is tolerant: a missing, empty, truncated or foreign file is a reason, never a crash.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as fsp from "node:fs/promises"
import * as path from "node:path"
import { HealthWriteFailed, RuntimeHealthSnapshot } from "../Domain/Health.js"

export type SnapshotRead =
  | { readonly _tag: "Found"; readonly snapshot: RuntimeHealthSnapshot }
  | { readonly _tag: "Missing"; readonly reason: string }
  | { readonly _tag: "Corrupt"; readonly reason: string }

export interface SnapshotSink {
  /** The file's path, or `memory`. */
  readonly location: string
  readonly write: (snapshot: RuntimeHealthSnapshot) => Effect.Effect<void, HealthWriteFailed>
  readonly read: Effect.Effect<SnapshotRead>
}

const encode = Schema.encodeSync(RuntimeHealthSnapshot)
const decode = Schema.decodeUnknownEither(RuntimeHealthSnapshot)

/** The file's text: the Schema-encoded snapshot, pretty-printed (operators `cat` it). */
export const snapshotJson = (snapshot: RuntimeHealthSnapshot): string => JSON.stringify(encode(snapshot), null, 2) + "\n"

/** Decode a file's text; every failure is a reason naming `location`. */
export const parseSnapshot = (location: string, text: string): SnapshotRead => {
  if (text.trim().length === 0) return { _tag: "Corrupt", reason: `health snapshot at ${location} is empty` }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not valid JSON: ${messageOf(error)}` }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: expected a JSON object` }
  }
  const decoded = decode(json)
  if (decoded._tag === "Right") return { _tag: "Found", snapshot: decoded.right }
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(decoded.left)
  const where = first === undefined || first.path.length === 0 ? "" : `${first.path.join(".")}: `
  return { _tag: "Corrupt", reason: `health snapshot at ${location} is not a snapshot: ${where}${first?.message ?? "unexpected shape"}` }
}

export const readSnapshotFile = (file: string): Effect.Effect<SnapshotRead> =>
  Effect.promise(async (): Promise<SnapshotRead> => {
    let text: string
    try {
      text = await fsp.readFile(file, "utf8")
    } catch (error) {
      return codeOf(error) === "ENOENT"
        ? { _tag: "Missing", reason: `no health snapshot at ${file}` }
        : { _tag: "Corrupt", reason: `health snapshot at ${file} cannot be read: ${messageOf(error)}` }
    }
    return parseSnapshot(file, text)
  })

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
    catch: (error) => new HealthWriteFailed({ path: file, message: `cannot write health snapshot at ${file}: ${messageOf(error)}` })
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

const codeOf = (error: unknown) =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))
