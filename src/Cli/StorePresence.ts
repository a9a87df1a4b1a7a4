/**
 * Read commands never create the store (nor its directory): run from the wrong directory, they say
 * there is no store at the absolute path and how to point at the right one, instead of creating an
 * empty one and reporting that every key is accepting work.
 */
import * as fs from "node:fs"
import type { ResolvedConfig } from "../Domain/Config.js"

export interface StorePresence {
  readonly present: boolean
  /** The store's absolute path (for SQLite), as messages show it. */
  readonly path: string
  /** As the store describes itself: `sqlite:/abs/path`. */
  readonly describe: string
}

/** Only a SQLite file can be absent; any other store is asked (and reports its own trouble). */
export const storePresence = (config: ResolvedConfig): StorePresence => {
  const path = config.paths.activityStore
  return {
    present: config.storeKind !== "sqlite" || fs.existsSync(path),
    path,
    describe: config.storeKind === "sqlite" ? `sqlite:${path}` : config.redacted().paths.activityStore
  }
}

/** How to point a command at the store the running processes use. */
export const POINT_AT_STORE =
  "If your processes keep their store elsewhere, point at it with --cache-dir DIR, ONEIRIC_CACHE_DIR=DIR or " +
  "cache_dir under [runtime] in the settings file (oneiric supervisor-info shows what this directory resolves to)."

export const noStoreMessage = (presence: StorePresence, what: string): string =>
  `No activity store at ${presence.path}, so ${what}.\n${POINT_AT_STORE}`
