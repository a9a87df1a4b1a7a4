import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { errorIn, resolveIn, tempDir, write } from "./helpers.js"

/** `file_access` and `allow_shared_cache_dir`: profile < settings < env, each with the layer that decided it. */
describe("file settings", () => {
  it.effect("default: owner, shared dirs refused; settings then env decide, and say so", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      expect(yield* resolveIn(cwd)).toMatchObject({ fileAccess: "owner", allowSharedCacheDir: false, decisions: { fileAccess: "profile", allowSharedCacheDir: "profile" } })
      write(cwd, "settings.toml", "[runtime]\nfile_access = \"group\"\nallow_shared_cache_dir = true\n")
      expect(yield* resolveIn(cwd)).toMatchObject({ fileAccess: "group", allowSharedCacheDir: true, decisions: { fileAccess: "settings", allowSharedCacheDir: "settings" } })
      const env = { ONEIRIC_RUNTIME__FILE_ACCESS: "OWNER", ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR: "no" }
      expect(yield* resolveIn(cwd, env)).toMatchObject({ fileAccess: "owner", allowSharedCacheDir: false, decisions: { fileAccess: "env", allowSharedCacheDir: "env" } })
    }))

  it.effect("a value that does not parse names the setting", () =>
    Effect.gen(function*() {
      expect(yield* errorIn(tempDir(), { ONEIRIC_RUNTIME__FILE_ACCESS: "everyone" })).toMatch(/^ONEIRIC_RUNTIME__FILE_ACCESS="everyone" is not owner or group$/)
      expect(yield* errorIn(tempDir(), { ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR: "maybe" })).toMatch(/^ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR="maybe" is not a boolean/)
      const cwd = tempDir()
      write(cwd, "settings.toml", "[runtime]\nfile_access = \"world\"\n")
      expect(yield* errorIn(cwd)).toMatch(/settings key "runtime.file_access" in \S+ must be "owner" or "group", got string "world"/)
    }))
})
