/** The HTTP access settings: where the admin token comes from (never its value) and who may read, with the deciding layer. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { ResolvedConfig } from "../../src/Domain/Config.js"
import { errorIn, resolveIn, tempDir, write } from "./helpers.js"

const SECRET = "the-token-value-must-never-show-1"

describe("ConfigResolver: HTTP access", () => {
  it.effect("by default: no admin token, reads decided by the address (auto)", () =>
    Effect.gen(function*() {
      const c = yield* resolveIn(tempDir())
      expect(c.httpAccess).toMatchObject({ adminToken: { from: "none", file: null }, reads: "auto" })
      expect([c.decisions.adminToken, c.decisions.httpReads]).toEqual(["profile", "profile"])
    }))

  it.effect("a token file and reads from the settings file; the environment beats them; the value is never in the config", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", `[runtime.http]\nadmin_token_file = "secrets/admin"\nreads = "open"\n`)
      const fromSettings = yield* resolveIn(cwd)
      expect(fromSettings.httpAccess).toMatchObject({ adminToken: { from: "file", file: path.join(cwd, "secrets/admin") }, reads: "open" })
      expect([fromSettings.decisions.adminToken, fromSettings.decisions.httpReads]).toEqual(["settings", "settings"])

      const fromEnv = yield* resolveIn(cwd, { ONEIRIC_ADMIN_TOKEN: SECRET, ONEIRIC_RUNTIME__HTTP__READS: "TOKEN" })
      expect(fromEnv.httpAccess).toMatchObject({ adminToken: { from: "env", file: null }, reads: "token" })
      expect([fromEnv.decisions.adminToken, fromEnv.decisions.httpReads]).toEqual(["env", "env"])
      expect(JSON.stringify(Schema.encodeSync(ResolvedConfig)(fromEnv))).not.toContain(SECRET)

      const fileFromEnv = yield* resolveIn(cwd, { ONEIRIC_ADMIN_TOKEN_FILE: "/run/secrets/oneiric" })
      expect(fileFromEnv.httpAccess.adminToken).toMatchObject({ from: "file", file: "/run/secrets/oneiric" })
      const encoded = Schema.encodeSync(ResolvedConfig)(fileFromEnv)
      expect(encoded.http_access).toEqual({ admin_token: { from: "file", file: "/run/secrets/oneiric" }, reads: "open" })
      expect(encoded.decisions).toMatchObject({ admin_token: "env", http_reads: "settings" })
    }))

  it.effect("both token variables, a bad reads value, an unknown key: errors that never quote the token", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const both = yield* errorIn(cwd, { ONEIRIC_ADMIN_TOKEN: SECRET, ONEIRIC_ADMIN_TOKEN_FILE: "/x" })
      expect(both).toBe("ONEIRIC_ADMIN_TOKEN and ONEIRIC_ADMIN_TOKEN_FILE are both set; set one")
      expect(both).not.toContain(SECRET)
      expect(yield* errorIn(cwd, { ONEIRIC_RUNTIME__HTTP__READS: "public" })).toMatch(/ONEIRIC_RUNTIME__HTTP__READS="public" is not one of auto, open, token/)
      write(cwd, "settings.toml", `[runtime.http]\nreads = "public"\n`)
      expect(yield* errorIn(cwd)).toMatch(/settings key "runtime.http.reads" in .* must be one of "auto", "open", "token", got string "public"/)
      write(cwd, "settings.toml", `[runtime.http]\nadmin_token = "${SECRET}"\n`)
      const unknown = yield* errorIn(cwd)
      expect(unknown).toMatch(/unknown settings key "runtime.http.admin_token"/)
      expect(unknown).not.toContain(SECRET)
    }))
})
