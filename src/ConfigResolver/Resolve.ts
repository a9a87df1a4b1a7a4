/**
 * Puts the layers together, lowest first: profile default < settings file < environment < CLI option, and records
 * which layer decided each value. Every path comes out absolute (relative ones resolve against the working
 * directory, like the original); a PostgreSQL URL for the store is kept as given.
 */
import * as Effect from "effect/Effect"
import * as path from "node:path"
import {
  AdminTokenSource, ConfigPaths, type DecidedBy, Decisions, HttpAccess, HttpConfig, type ProfileName, ResolvedConfig, storeKindOf
} from "../Domain/Config.js"
import { ConfigError } from "../Domain/Errors.js"
import { type Env, readEnv } from "./Env.js"
import {
  DEFAULT_CACHE_DIR, DEFAULT_FILE_ACCESS, DEFAULT_HEALTH_FILE, DEFAULT_SECRETS_DIR, DEFAULT_SHARED_STORE_OUTAGE, DEFAULT_STORE_FILE, isProfileName, type Overrides,
  PROFILE_NAMES, PROFILES, type Values
} from "./Profiles.js"
import { checkSecrets } from "./Secrets.js"
import { discover, loadSettings, type SettingsLayer } from "./Settings.js"

/**
 * The CLI's options (`--config`, `--profile`, `--cache-dir`, and a command's `--health-path`, `--host`, `--port`,
 * `--health-interval`), or an embedding app's; an option beats the environment and the settings file.
 */
export interface ConfigOptions {
  readonly configPath?: string | undefined
  readonly profile?: string | undefined
  readonly cacheDir?: string | undefined
  /** `--store`: a SQLite file path or a `postgres://` URL. */
  readonly activityStore?: string | undefined
  readonly healthPath?: string | undefined
  readonly httpHost?: string | undefined
  readonly httpPort?: number | undefined
  /** How often the health snapshot is rewritten when nothing changes. */
  readonly healthIntervalMs?: number | undefined
  /** Default `process.env`. */
  readonly env?: Record<string, string | undefined> | undefined
  /** Default `process.cwd()`. */
  readonly cwd?: string | undefined
}

const chooseProfile = (
  option: string | undefined,
  env: string | undefined,
  settings: SettingsLayer
): Effect.Effect<{ readonly name: ProfileName; readonly by: DecidedBy }, ConfigError> => {
  const [name, by, from] = option !== undefined ? [option, "option", "--profile"] as const
    : env !== undefined ? [env, "env", "ONEIRIC_PROFILE"] as const
    : settings.profile !== undefined ? [settings.profile, "settings", `[runtime] profile in ${settings.file}`] as const
    : ["default", "profile", "built-in default"] as const
  return isProfileName(name)
    ? Effect.succeed({ name, by })
    : Effect.fail(new ConfigError({
      message: `unknown profile ${JSON.stringify(name)} (from ${from}); expected one of: ${PROFILE_NAMES.join(", ")}`
    }))
}

const NO_ADMIN_TOKEN = new AdminTokenSource({ from: "none", file: null })

interface Decided<A> { readonly value: A; readonly by: DecidedBy }

/** An option's value, checked: the error names the option as the operator typed it. */
const optionValue = <A, B>(option: string, raw: A, check: (raw: A) => B | undefined, expected: string): Effect.Effect<B, ConfigError> => {
  const value = check(raw)
  return value === undefined
    ? Effect.fail(new ConfigError({ message: `invalid ${option} ${JSON.stringify(raw)}: expected ${expected}` }))
    : Effect.succeed(value)
}

export const resolve = (options: ConfigOptions = {}): Effect.Effect<ResolvedConfig, ConfigError> =>
  Effect.gen(function*() {
    const env: Env = options.env ?? process.env
    const cwd = path.resolve(options.cwd ?? process.cwd())
    const fromEnv = yield* readEnv(env)
    const settings = yield* loadSettings(yield* discover(options.configPath, fromEnv.configPath, cwd))
    const profile = yield* chooseProfile(options.profile, fromEnv.profile, settings)
    const defaults = PROFILES[profile.name]

    const fromOptions: Overrides = {}
    if (options.cacheDir !== undefined) fromOptions.cacheDir = options.cacheDir
    if (options.activityStore !== undefined) fromOptions.activityStore = yield* optionValue("--store", options.activityStore, (s) => s.trim() || undefined, "a file path or a postgres:// URL")
    if (options.healthPath !== undefined) fromOptions.healthPath = options.healthPath
    if (options.httpHost !== undefined) fromOptions.httpHost = yield* optionValue("--host", options.httpHost, (h) => h.trim() || undefined, "a host name or address")
    if (options.httpPort !== undefined) fromOptions.httpPort = yield* optionValue("--port", options.httpPort, (p) => (Number.isInteger(p) && p >= 0 && p <= 65_535 ? p : undefined), "a port from 0 to 65535")
    if (options.healthIntervalMs !== undefined) fromOptions.healthIntervalMs = yield* optionValue("--health-interval", options.healthIntervalMs, (ms) => (Number.isFinite(ms) && ms > 0 ? ms : undefined), "a positive duration")
    const layers: ReadonlyArray<readonly [DecidedBy, Overrides]> = [
      ["option", fromOptions], ["env", fromEnv.values], ["settings", settings.values]
    ]
    const pick = <K extends keyof Values>(key: K, fallback: Decided<Values[K]>): Decided<Values[K]> => {
      for (const [by, layer] of layers) {
        const value = layer[key]
        if (value !== undefined) return { value, by }
      }
      return fallback
    }
    const byProfile = <A>(value: A): Decided<A> => ({ value, by: "profile" })
    const supervisor = pick("supervisorEnabled", byProfile(defaults.supervisorEnabled))
    const poll = pick("pollIntervalMs", byProfile(defaults.pollIntervalMs))
    const watchers = pick("watchersEnabled", byProfile(defaults.watchersEnabled))
    const remote = pick("remoteEnabled", byProfile(defaults.remoteEnabled))
    const inline = pick("inlineManifestOnly", byProfile(defaults.inlineManifestOnly))
    const shutdown = pick("shutdownTimeoutMs", byProfile(defaults.shutdownTimeoutMs))
    const healthInterval = pick("healthIntervalMs", byProfile(defaults.healthIntervalMs))
    const outage = pick("sharedStoreOutage", byProfile(DEFAULT_SHARED_STORE_OUTAGE))
    const fileAccess = pick("fileAccess", byProfile(DEFAULT_FILE_ACCESS))
    const allowShared = pick("allowSharedCacheDir", byProfile(false))
    // A platform that sets $PORT (Cloud Run, Heroku…) routes from outside: listen on every interface
    // unless a host was chosen explicitly.
    const platformPort = (options.env ?? process.env)["PORT"]
    const hostFallback: Decided<string> = platformPort !== undefined && platformPort.trim() !== "" ? { value: "0.0.0.0", by: "env" } : byProfile(defaults.http.host)
    const host = pick("httpHost", hostFallback)
    const port = pick("httpPort", byProfile(defaults.http.port))
    const reads = pick("httpReads", byProfile("auto" as const))
    const token = pick("adminToken", byProfile(NO_ADMIN_TOKEN))
    const adminToken = token.value.file === null ? token.value : new AdminTokenSource({ from: "file", file: path.resolve(cwd, token.value.file) })
    const cacheDir = pick("cacheDir", byProfile(DEFAULT_CACHE_DIR))
    const cache = path.resolve(cwd, cacheDir.value)
    // Derived defaults are decided by whoever decided the cache dir they live in.
    const store = pick("activityStore", { value: path.join(cache, DEFAULT_STORE_FILE), by: cacheDir.by })
    const health = pick("healthPath", { value: path.join(cache, DEFAULT_HEALTH_FILE), by: cacheDir.by })
    const storeKind = storeKindOf(store.value)
    const activityStore = storeKind === "postgres" ? store.value : path.resolve(cwd, store.value)

    const secretsDir = path.resolve(cwd, settings.secretsDir ?? DEFAULT_SECRETS_DIR)
    const secrets = yield* checkSecrets(settings.secretsRequired, secretsDir, env)

    return new ResolvedConfig({
      profile: profile.name,
      profileDecidedBy: profile.by,
      profileDefault: defaults,
      runtimeConfig: settings.supervisor,
      envOverride: fromEnv.supervisorEnabledRaw,
      supervisorEnabled: supervisor.value,
      decidedBy: supervisor.by,
      pollIntervalMs: poll.value,
      watchersEnabled: watchers.value,
      remoteEnabled: remote.value,
      inlineManifestOnly: inline.value,
      shutdownTimeoutMs: shutdown.value,
      healthIntervalMs: healthInterval.value,
      http: new HttpConfig({ host: host.value, port: port.value }),
      httpAccess: new HttpAccess({ adminToken, reads: reads.value }),
      paths: new ConfigPaths({
        cacheDir: cache,
        activityStore: activityStore,
        healthPath: path.resolve(cwd, health.value),
        settingsFile: settings.file
      }),
      storeKind: storeKind,
      sharedStoreOutage: outage.value,
      fileAccess: fileAccess.value,
      allowSharedCacheDir: allowShared.value,
      secrets,
      decisions: new Decisions({
        supervisorEnabled: supervisor.by,
        pollIntervalMs: poll.by,
        watchersEnabled: watchers.by,
        remoteEnabled: remote.by,
        inlineManifestOnly: inline.by,
        shutdownTimeoutMs: shutdown.by,
        healthIntervalMs: healthInterval.by,
        httpHost: host.by,
        httpPort: port.by,
        httpReads: reads.by,
        adminToken: token.by,
        cacheDir: cacheDir.by,
        activityStore: store.by,
        healthPath: health.by,
        sharedStoreOutage: outage.by,
        fileAccess: fileAccess.by,
        allowSharedCacheDir: allowShared.by
      })
    })
  })
