/**
 * Presence check of required secrets: an env var NAME that is non-empty, or a non-empty file `<dir>/NAME` (Docker and
 * Kubernetes mount secrets there). Only the file size is looked at, so a value is never read, held or printed.
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { SecretsStatus } from "../Domain/Config.js"
import type { Env } from "./Env.js"

const fileIsNonEmpty = (file: string): boolean => {
  try {
    const stat = fs.statSync(file, { throwIfNoEntry: false })
    return stat !== undefined && stat.isFile() && stat.size > 0
  } catch {
    return false // unreadable directory: as good as missing
  }
}

export const checkSecrets = (
  required: ReadonlyArray<string>,
  dir: string,
  env: Env
): Effect.Effect<SecretsStatus> =>
  Effect.sync(() => {
    const missing = required.filter((name) => !env[name] && !fileIsNonEmpty(path.join(dir, name)))
    return new SecretsStatus({
      provider: "env+file",
      dir,
      required: [...required],
      status: missing.length === 0 ? "ready" : "missing",
      missing
    })
  })
