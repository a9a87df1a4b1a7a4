import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { ConfigResolver } from "../src/ConfigResolver.js"
import { parseDurationMs } from "../src/Domain/Duration.js"
import { ResolvedConfig } from "../src/Domain/Config.js"
import { ConfigError } from "../src/Domain/Errors.js"
import { errorIn, resolveIn, tempDir, write } from "./ConfigResolver/helpers.js"

describe("ConfigResolver profiles", () => {
  it.effect("default profile: supervisor, watchers and remote on, loopback HTTP, paths under ./.oneiric_cache", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const c = yield* resolveIn(cwd)
      expect(c.profile).toBe("default")
      expect(c.profileDecidedBy).toBe("profile")
      expect([c.supervisorEnabled, c.watchersEnabled, c.remoteEnabled, c.inlineManifestOnly])
        .toEqual([true, true, true, false])
      expect(c.pollIntervalMs).toBe(250)
      expect(c.shutdownTimeoutMs).toBe(10_000)
      expect(c.http).toMatchObject({ host: "127.0.0.1", port: 8787 })
      expect(c.decidedBy).toBe("profile")
      expect(Object.values(c.decisions).every((by) => by === "profile")).toBe(true)
      expect(c.paths).toMatchObject({
        cacheDir: path.join(cwd, ".oneiric_cache"),
        activityStore: path.join(cwd, ".oneiric_cache", "domain_activity.sqlite"),
        healthPath: path.join(cwd, ".oneiric_cache", "runtime_health.json"),
        settingsFile: null
      })
      expect(c.storeKind).toBe("sqlite")
      expect(c.runtimeConfig).toBeNull()
      expect(c.envOverride).toBeNull()
      expect(c.secrets).toMatchObject({ provider: "env+file", status: "ready", required: [], missing: [] })
    }))

  it.effect("serverless profile: watchers and remote off, inline manifests only, 0.0.0.0 on $PORT", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const c = yield* resolveIn(cwd, { ONEIRIC_PROFILE: "serverless", PORT: "9090" })
      expect(c.profile).toBe("serverless")
      expect(c.profileDecidedBy).toBe("env")
      expect([c.supervisorEnabled, c.watchersEnabled, c.remoteEnabled, c.inlineManifestOnly])
        .toEqual([true, false, false, true])
      expect(c.shutdownTimeoutMs).toBe(8_000)
      expect(c.http).toMatchObject({ host: "0.0.0.0", port: 9090 })
      expect(c.decisions.httpPort).toBe("env")
      expect(c.profileDefault.http.port).toBe(8080)
      const noPort = yield* resolveIn(cwd, { ONEIRIC_PROFILE: "serverless" })
      expect(noPort.http.port).toBe(8080)
    }))

  it.effect("$PORT under the default profile also listens on every interface, unless a host is set", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const c = yield* resolveIn(cwd, { PORT: "9191" })
      expect(c.http).toMatchObject({ host: "0.0.0.0", port: 9191 })
      expect(c.decisions).toMatchObject({ httpHost: "env", httpPort: "env" })
      const pinned = yield* resolveIn(cwd, { PORT: "9191", ONEIRIC_RUNTIME__HTTP__HOST: "127.0.0.1" })
      expect(pinned.http).toMatchObject({ host: "127.0.0.1", port: 9191 })
    }))

  it.effect("unknown profile names its source and the valid ones", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      expect(yield* errorIn(cwd, { ONEIRIC_PROFILE: "servrless" }))
        .toBe(`unknown profile "servrless" (from ONEIRIC_PROFILE); expected one of: default, serverless`)
      expect(yield* errorIn(cwd, {}, { profile: "prod" })).toContain(`"prod" (from --profile)`)
      const file = write(cwd, "settings.toml", `[runtime]\nprofile = "lambda"\n`)
      expect(yield* errorIn(cwd)).toContain(`"lambda" (from [runtime] profile in ${file})`)
    }))
})

describe("ConfigResolver precedence", () => {
  it.effect("profile < settings < env < option, each value says who decided it", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", [
        "[runtime]", `profile = "serverless"`, `cache_dir = "from-settings"`, `health_path = "h-settings.json"`,
        "watchers_enabled = true", "[runtime.supervisor]", "enabled = false", "poll_interval = 2.0"
      ].join("\n"))
      const settingsOnly = yield* resolveIn(cwd)
      expect(settingsOnly.profile).toBe("serverless")
      expect(settingsOnly.profileDecidedBy).toBe("settings")
      expect(settingsOnly.supervisorEnabled).toBe(false)
      expect(settingsOnly.decidedBy).toBe("settings")
      expect(settingsOnly.pollIntervalMs).toBe(2_000)
      expect(settingsOnly.watchersEnabled).toBe(true)
      expect(settingsOnly.decisions.watchersEnabled).toBe("settings")
      expect(settingsOnly.decisions.remoteEnabled).toBe("profile")
      expect(settingsOnly.paths.cacheDir).toBe(path.join(cwd, "from-settings"))
      expect(settingsOnly.paths.activityStore).toBe(path.join(cwd, "from-settings", "domain_activity.sqlite"))
      expect(settingsOnly.decisions.activityStore).toBe("settings")

      const env = {
        ONEIRIC_PROFILE: "default", ONEIRIC_RUNTIME_SUPERVISOR__ENABLED: "yes",
        ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: "500ms", ONEIRIC_CACHE_DIR: "from-env",
        ONEIRIC_HEALTH_PATH: "h-env.json"
      }
      const withEnv = yield* resolveIn(cwd, env)
      expect([withEnv.profile, withEnv.profileDecidedBy]).toEqual(["default", "env"])
      expect([withEnv.supervisorEnabled, withEnv.decidedBy]).toEqual([true, "env"])
      expect(withEnv.envOverride).toBe("yes")
      expect(withEnv.runtimeConfig).toMatchObject({ sections: ["runtime.supervisor"], enabled: false })
      expect([withEnv.pollIntervalMs, withEnv.decisions.pollIntervalMs]).toEqual([500, "env"])
      expect(withEnv.paths.cacheDir).toBe(path.join(cwd, "from-env"))
      expect(withEnv.paths.healthPath).toBe(path.join(cwd, "h-env.json"))

      const withOptions = yield* resolveIn(cwd, env, {
        profile: "serverless", cacheDir: "/abs/cache", healthPath: "h-option.json"
      })
      expect([withOptions.profile, withOptions.profileDecidedBy]).toEqual(["serverless", "option"])
      expect([withOptions.paths.cacheDir, withOptions.decisions.cacheDir]).toEqual(["/abs/cache", "option"])
      expect([withOptions.paths.healthPath, withOptions.decisions.healthPath])
        .toEqual([path.join(cwd, "h-option.json"), "option"])
    }))

  it.effect("a command's own options (--host, --port, --health-interval) beat env and settings, and say so; bad ones name the option", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", ["[runtime]", `health_interval = "2s"`, "[runtime.http]", "port = 9000"].join("\n"))
      const env = { ONEIRIC_RUNTIME__HTTP__HOST: "10.0.0.1", ONEIRIC_RUNTIME__HEALTH_INTERVAL: "3s" }
      const fromFiles = yield* resolveIn(cwd, env)
      expect([fromFiles.http.port, fromFiles.decisions.httpPort, fromFiles.http.host, fromFiles.decisions.httpHost]).toEqual([9000, "settings", "10.0.0.1", "env"])
      expect([fromFiles.healthIntervalMs, fromFiles.decisions.healthIntervalMs]).toEqual([3_000, "env"])
      const fromOptions = yield* resolveIn(cwd, env, { httpHost: "127.0.0.2", httpPort: 0, healthIntervalMs: 750 })
      expect(fromOptions.http).toMatchObject({ host: "127.0.0.2", port: 0 })
      expect([fromOptions.decisions.httpHost, fromOptions.decisions.httpPort, fromOptions.decisions.healthIntervalMs]).toEqual(["option", "option", "option"])
      expect(fromOptions.healthIntervalMs).toBe(750)
      const badPort = yield* Effect.flip(resolveIn(cwd, {}, { httpPort: 70_000 }))
      expect(badPort.message).toBe(`invalid --port 70000: expected a port from 0 to 65535`)
      const badHost = yield* Effect.flip(resolveIn(cwd, {}, { httpHost: "  " }))
      expect(badHost.message).toMatch(/^invalid --host/)
    }))

  it.effect("an explicit env false wins even under serverless", () =>
    Effect.gen(function*() {
      const c = yield* resolveIn(tempDir(), {
        ONEIRIC_PROFILE: "serverless", ONEIRIC_RUNTIME_SUPERVISOR__ENABLED: "false"
      })
      expect([c.supervisorEnabled, c.decidedBy, c.envOverride]).toEqual([false, "env", "false"])
    }))

  it.effect("every ONEIRIC_RUNTIME* variable applies; nested supervisor spelling too", () =>
    Effect.gen(function*() {
      const c = yield* resolveIn(tempDir(), {
        ONEIRIC_RUNTIME__SUPERVISOR__ENABLED: "OFF", ONEIRIC_RUNTIME__SUPERVISOR__POLL_INTERVAL: "1.5s",
        ONEIRIC_RUNTIME__WATCHERS_ENABLED: "0", ONEIRIC_RUNTIME__REMOTE_ENABLED: "no",
        ONEIRIC_RUNTIME__INLINE_MANIFEST_ONLY: "on", ONEIRIC_RUNTIME__SHUTDOWN_TIMEOUT: "1m",
        ONEIRIC_RUNTIME__HTTP__HOST: "0.0.0.0", ONEIRIC_RUNTIME__HTTP__PORT: "9000", PORT: "1234",
        ONEIRIC_SOMETHING_ELSE: "ignored"
      })
      expect(c).toMatchObject({
        supervisorEnabled: false, envOverride: "OFF", pollIntervalMs: 1_500, watchersEnabled: false,
        remoteEnabled: false, inlineManifestOnly: true, shutdownTimeoutMs: 60_000
      })
      expect(c.http).toMatchObject({ host: "0.0.0.0", port: 9000 })
    }))
})

describe("ConfigResolver environment errors", () => {
  it.effect("an unparsable boolean names the variable and the value", () =>
    Effect.gen(function*() {
      expect(yield* errorIn(tempDir(), { ONEIRIC_RUNTIME_SUPERVISOR__ENABLED: "maybe" }))
        .toBe(`ONEIRIC_RUNTIME_SUPERVISOR__ENABLED="maybe" is not a boolean (true|false|1|0|yes|no|on|off)`)
    }))

  it.effect("bad durations, ports, unknown ONEIRIC_RUNTIME* names and conflicting spellings are errors", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      expect(yield* errorIn(cwd, { ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: "0" }))
        .toContain(`ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL="0" is not a positive duration`)
      expect(yield* errorIn(cwd, { ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL: "-2s" })).toContain("positive")
      expect(yield* errorIn(cwd, { PORT: "http" })).toBe(`PORT="http" is not a port (0-65535)`)
      expect(yield* errorIn(cwd, { ONEIRIC_RUNTIME__HTTP__PORT: "70000" })).toContain("ONEIRIC_RUNTIME__HTTP__PORT")
      expect(yield* errorIn(cwd, { ONEIRIC_RUNTIME__SUPERVISOR_ENABLED: "true" }))
        .toContain("unknown environment variable ONEIRIC_RUNTIME__SUPERVISOR_ENABLED")
      expect(yield* errorIn(cwd, {
        ONEIRIC_RUNTIME_SUPERVISOR__ENABLED: "true", ONEIRIC_RUNTIME__SUPERVISOR__ENABLED: "false"
      })).toContain("conflicts with ONEIRIC_RUNTIME_SUPERVISOR__ENABLED")
    }))

  it.effect("the failure is a ConfigError, also through the layer", () =>
    Effect.gen(function*() {
      const layer = ConfigResolver.layer({ cwd: tempDir(), env: { ONEIRIC_PROFILE: "nope" } })
      const error = yield* Effect.flip(Effect.provide(ConfigResolver, layer))
      expect(error).toBeInstanceOf(ConfigError)
    }))
})

describe("ConfigResolver paths and secrets", () => {
  it.effect("relative paths resolve against cwd; a postgres URL is kept as is", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      const rel = yield* resolveIn(cwd, { ONEIRIC_ACTIVITY_STORE: "data/store.sqlite" })
      expect([rel.paths.activityStore, rel.storeKind]).toEqual([path.join(cwd, "data/store.sqlite"), "sqlite"])
      const url = "postgresql://oneiric:s3cret@db:5432/oneiric"
      const pg = yield* resolveIn(cwd, { ONEIRIC_ACTIVITY_STORE: url })
      expect([pg.paths.activityStore, pg.storeKind]).toEqual([url, "postgres"])
      expect(pg.redacted().paths.activityStore).toBe("postgresql://oneiric:***@db:5432/oneiric")
    }))

  it.effect("required secrets: ready from env or a non-empty file, missing otherwise, never a value", () =>
    Effect.gen(function*() {
      const cwd = tempDir()
      write(cwd, "settings.toml", `[secrets]\nrequired = ["DB_PASSWORD", "API_TOKEN", "EMPTY"]\ndir = "secrets"\n`)
      write(cwd, "secrets/API_TOKEN", "token-value")
      write(cwd, "secrets/EMPTY", "")
      const c = yield* resolveIn(cwd, { DB_PASSWORD: "hunter2" })
      expect(c.secrets).toMatchObject({
        provider: "env+file", dir: path.join(cwd, "secrets"), status: "missing", missing: ["EMPTY"]
      })
      const ready = yield* resolveIn(cwd, { DB_PASSWORD: "hunter2", EMPTY: "x" })
      expect([ready.secrets.status, ready.secrets.missing]).toEqual(["ready", []])
      const none = yield* resolveIn(cwd, { DB_PASSWORD: "" })
      expect(none.secrets.missing).toEqual(["DB_PASSWORD", "EMPTY"])
      const json = JSON.stringify(Schema.encodeSync(ResolvedConfig)(ready))
      expect(json).not.toContain("hunter2")
      expect(json).not.toContain("token-value")
    }))
})

describe("ConfigResolver layers and encoding", () => {
  it.effect("layerStatic needs no file or env and takes overrides", () =>
    Effect.gen(function*() {
      const c = yield* ConfigResolver
      expect(c.paths.cacheDir).toBe("/tmp/oneiric-test/.oneiric_cache")
      expect(c.supervisorEnabled).toBe(false)
      expect(c.pollIntervalMs).toBe(250)
    }).pipe(Effect.provide(ConfigResolver.layerStatic({ supervisorEnabled: false }))))

  it.effect("encodes to snake_case JSON and decodes back", () =>
    Effect.gen(function*() {
      const c = yield* resolveIn(tempDir(), { ONEIRIC_RUNTIME_SUPERVISOR__ENABLED: "false" })
      const encoded = Schema.encodeSync(ResolvedConfig)(c)
      expect(Object.keys(encoded)).toContain("profile_default")
      expect(encoded.decisions.supervisor_enabled).toBe("env")
      expect(Schema.decodeUnknownSync(ResolvedConfig)(JSON.parse(JSON.stringify(encoded)))).toEqual(c)
    }))

  it("parses durations", () => {
    expect(["250ms", "2s", "1.5s", "1m", "1h", "2", "0.25", " 3 s "].map((d) => parseDurationMs(d)))
      .toEqual([250, 2_000, 1_500, 60_000, 3_600_000, 2_000, 250, 3_000])
    expect(parseDurationMs(2.0)).toBe(2_000)
    expect(["", "fast", "1d", "1 2s", "ms"].map((d) => parseDurationMs(d))).toEqual(Array(5).fill(undefined))
  })
})
