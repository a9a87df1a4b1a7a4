import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import { type ConfigOptions, ConfigResolver } from "../../src/ConfigResolver.js"

const dirs: Array<string> = []
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

/** A fresh temp dir to use as cwd; removed after the file's tests. */
export const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oneiric-config-"))
  dirs.push(dir)
  return dir
}

export const write = (dir: string, name: string, text: string): string => {
  const file = path.join(dir, name)
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, text)
  return file
}

/** Resolves in `cwd` with exactly `env` (never the real process.env). */
export const resolveIn = (cwd: string, env: Record<string, string> = {}, options: ConfigOptions = {}) =>
  ConfigResolver.resolve({ ...options, cwd, env })

/** The ConfigError message of a resolution that must fail. */
export const errorIn = (cwd: string, env: Record<string, string> = {}, options: ConfigOptions = {}) =>
  resolveIn(cwd, env, options).pipe(Effect.flip, Effect.map((e) => e.message))
