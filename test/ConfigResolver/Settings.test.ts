import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as path from "node:path"
import { errorIn, resolveIn, tempDir, write } from "./helpers.js"

describe("ConfigResolver settings file discovery", () => {
  it.effect("./settings.toml in cwd is found; without it there is no settings file", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      expect((yield* resolveIn(cwd)).paths.settingsFile).toBeNull()
      const file = write(cwd, "settings.toml", `[runtime.supervisor]\nenabled = false\n`)
      const c = yield* resolveIn(cwd)
      expect(c.paths.settingsFile).toBe(file)
      expect([c.supervisorEnabled, c.decidedBy]).toEqual([false, "settings"])
    }))

  it.effect("ONEIRIC_CONFIG (relative to cwd) beats ./settings.toml; --config beats ONEIRIC_CONFIG", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", `[runtime.supervisor]\npoll_interval = 1\n`)
      const fromEnv = write(cwd, "conf/env.toml", `[runtime.supervisor]\npoll_interval = "3s"\n`)
      const fromOption = write(cwd, "conf/option.toml", `[runtime.supervisor]\npoll_interval = "4s"\n`)
      const viaEnv = yield* resolveIn(cwd, { ONEIRIC_CONFIG: "conf/env.toml" })
      expect([viaEnv.paths.settingsFile, viaEnv.pollIntervalMs]).toEqual([fromEnv, 3_000])
      const viaOption = yield* resolveIn(cwd, { ONEIRIC_CONFIG: "conf/env.toml" }, { configPath: fromOption })
      expect([viaOption.paths.settingsFile, viaOption.pollIntervalMs]).toEqual([fromOption, 4_000])
    }))

  it.effect("an explicitly named file that does not exist is an error", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      expect(yield* errorIn(cwd, {}, { configPath: "missing.toml" }))
        .toBe(`settings file ${path.join(cwd, "missing.toml")} (from --config) does not exist`)
      expect(yield* errorIn(cwd, { ONEIRIC_CONFIG: "/nowhere/s.toml" }))
        .toBe(`settings file /nowhere/s.toml (from ONEIRIC_CONFIG) does not exist`)
    }))
})

describe("ConfigResolver settings file contents", () => {
  it.effect("[runtime_supervisor] is an alias of [runtime.supervisor]; both may agree but not conflict", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", `[runtime_supervisor]\nenabled = false\npoll_interval = "2s"\n`)
      const alias = yield* resolveIn(cwd)
      expect([alias.supervisorEnabled, alias.pollIntervalMs, alias.decidedBy]).toEqual([false, 2_000, "settings"])
      expect(alias.runtimeConfig).toMatchObject({
        sections: ["runtime_supervisor"], enabled: false, pollIntervalMs: 2_000
      })

      write(cwd, "settings.toml", `[runtime.supervisor]\nenabled = false\n[runtime_supervisor]\npoll_interval = 5\n`)
      const both = yield* resolveIn(cwd)
      expect(both.runtimeConfig).toMatchObject({
        sections: ["runtime.supervisor", "runtime_supervisor"], enabled: false, pollIntervalMs: 5_000
      })

      const conflict = "[runtime.supervisor]\nenabled = false\n[runtime_supervisor]\nenabled = true"
      const file = write(cwd, "settings.toml", conflict)
      expect(yield* errorIn(cwd)).toBe(`settings keys "runtime.supervisor.enabled" and "runtime_supervisor.enabled" `
        + `disagree in ${file} (false vs true); keep one`)
    }))

  it.effect("every [runtime] key applies; other top-level tables (the Python runtime's) are ignored", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", [
        `title = "shared with the Python runtime"`, "[app]", `name = "demo"`, "[adapters.cache]", `provider = "redis"`,
        "[runtime]", `activity_store = "postgres://db/oneiric"`, `shutdown_timeout = "30s"`, "remote_enabled = false",
        "inline_manifest_only = true", "[runtime.http]", `host = "0.0.0.0"`, "port = 9999"
      ].join("\n"))
      const c = yield* resolveIn(cwd)
      expect(c).toMatchObject({
        storeKind: "postgres", shutdownTimeoutMs: 30_000, remoteEnabled: false, inlineManifestOnly: true
      })
      expect(c.paths.activityStore).toBe("postgres://db/oneiric")
      expect(c.http).toMatchObject({ host: "0.0.0.0", port: 9999 })
      expect([c.decisions.httpHost, c.decisions.httpPort, c.decisions.activityStore])
        .toEqual(["settings", "settings", "settings"])
    }))

  it.effect("malformed TOML names the file, line and column", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const file = write(cwd, "settings.toml", `[runtime]\nprofile = \n`)
      expect(yield* errorIn(cwd)).toBe(`malformed TOML in ${file} at line 2, column 11: invalid value`)
    }))

  it.effect("an unknown key inside runtime / runtime_supervisor / secrets names the dotted key and the file", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const file = write(cwd, "settings.toml", `[runtime.supervisor]\nenabeld = true\n`)
      expect(yield* errorIn(cwd)).toBe(`unknown settings key "runtime.supervisor.enabeld" in ${file}`)
      write(cwd, "settings.toml", `[runtime.htp]\nport = 1\n`)
      expect(yield* errorIn(cwd)).toBe(`unknown settings key "runtime.htp" in ${file}`)
      write(cwd, "settings.toml", `[secrets]\nrequird = ["A"]\n`)
      expect(yield* errorIn(cwd)).toBe(`unknown settings key "secrets.requird" in ${file}`)
    }))

  it.effect("a value of the wrong type names the key, the expected type and the file", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const file = write(cwd, "settings.toml", `[runtime.supervisor]\nenabled = "yes"\n`)
      expect(yield* errorIn(cwd))
        .toBe(`settings key "runtime.supervisor.enabled" in ${file} must be a boolean, got string "yes"`)
      write(cwd, "settings.toml", `[runtime_supervisor]\npoll_interval = -1\n`)
      expect(yield* errorIn(cwd)).toContain(`"runtime_supervisor.poll_interval" in ${file} must be a positive duration`)
      write(cwd, "settings.toml", `[runtime.http]\nport = "80"\n`)
      expect(yield* errorIn(cwd)).toContain(`"runtime.http.port" in ${file} must be an integer port`)
      write(cwd, "settings.toml", `runtime = 3\n`)
      expect(yield* errorIn(cwd)).toBe(`settings key "runtime" in ${file} must be a table, got number 3`)
      write(cwd, "settings.toml", `[secrets]\nrequired = ["../etc/passwd"]\n`)
      expect(yield* errorIn(cwd)).toContain(`"secrets.required" in ${file} must be an array of secret names`)
    }))
})
