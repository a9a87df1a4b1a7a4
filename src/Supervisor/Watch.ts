/** Wakes the supervisor's loop when the store's files change, so a change does not wait for the poll interval. */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"

/** Watches the directory of `file` for changes to it (and its `-wal`/`-shm`); `watching` follows the watcher's state. */
export const watchStoreFile = (file: string | null, enabled: boolean, wake: () => void, watching: (on: boolean) => void) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      if (!enabled || file === null) return undefined
      const base = path.basename(file)
      try {
        const watcher = fs.watch(path.dirname(file), (_event, name) => {
          if (name === null || name.startsWith(base)) wake()
        })
        watcher.on("error", () => watching(false))
        watching(true)
        return watcher
      } catch {
        return undefined
      }
    }),
    (watcher) => Effect.sync(() => watcher?.close())
  )
