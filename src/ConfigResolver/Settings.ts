/**
 * The settings file layer: discovery (`--config` > `ONEIRIC_CONFIG` > `<cwd>/settings.toml`), TOML parsing and strict
 * validation. The file may be the Python Oneiric's own `settings.toml`, which has sections of its own (`[app]`,
 * `[adapters]`, `[logging]`, …), so top-level keys other than `runtime`, `runtime_supervisor` and `secrets` are
 * ignored; inside those three every unknown key is an error, because the original silently ignored a misspelt
 * `runtime.supervisor.enabled` (DESIGN §8).
 */
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { parse, TomlError } from "smol-toml"
import { AdminTokenSource, HttpReads, RuntimeSupervisorSettings } from "../Domain/Config.js"
import { ConfigError } from "../Domain/Errors.js"
import { DURATION_HINT, parseDurationMs } from "../Domain/Duration.js"
import type { Overrides } from "./Profiles.js"

export interface SettingsLayer {
  readonly file: string | null
  readonly profile: string | undefined
  readonly values: Overrides
  readonly supervisor: RuntimeSupervisorSettings | null
  readonly secretsRequired: ReadonlyArray<string>
  readonly secretsDir: string | undefined
}

const NO_SETTINGS: SettingsLayer = {
  file: null, profile: undefined, values: {}, supervisor: null, secretsRequired: [], secretsDir: undefined
}

const fail = (message: string) => Effect.fail(new ConfigError({ message }))

/** The file to read, or null. A file named explicitly (option or env) must exist; `./settings.toml` is optional. */
export const discover = (
  optionPath: string | undefined,
  envPath: string | undefined,
  cwd: string
): Effect.Effect<string | null, ConfigError> =>
  Effect.suspend(() => {
    const explicit = optionPath !== undefined ? { file: optionPath, from: "--config" }
      : envPath !== undefined ? { file: envPath, from: "ONEIRIC_CONFIG" }
      : undefined
    if (explicit === undefined) {
      const local = path.join(cwd, "settings.toml")
      return Effect.succeed(fs.existsSync(local) ? local : null)
    }
    const file = path.resolve(cwd, explicit.file)
    return fs.existsSync(file)
      ? Effect.succeed(file)
      : fail(`settings file ${file} (from ${explicit.from}) does not exist`)
  })

export const loadSettings = (file: string | null): Effect.Effect<SettingsLayer, ConfigError> => {
  if (file === null) return Effect.succeed(NO_SETTINGS)
  return Effect.try({
    try: () => fs.readFileSync(file, "utf8"),
    catch: (e) => new ConfigError({ message: `cannot read settings file ${file}: ${errorText(e)}` })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => parse(text),
        catch: (e) =>
          new ConfigError({
            message: e instanceof TomlError
              ? `malformed TOML in ${file} at line ${e.line}, column ${e.column}: ${tomlReason(e)}`
              : `malformed TOML in ${file}: ${errorText(e)}`
          })
      })
    ),
    Effect.flatMap((doc) => validate({ table: doc, path: "" }, file))
  )
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))
// smol-toml's message is "Invalid TOML document: <reason>\n\n<code excerpt>": keep the reason, we print line/column.
const tomlReason = (e: TomlError) => (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document:\s*/, "")

type Table = Record<string, unknown>
interface Section { readonly table: Table; readonly path: string }

const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date)

const describe = (v: unknown): string =>
  Array.isArray(v) ? "an array" : isTable(v) ? "a table" : v instanceof Date ? "a date"
  : `${typeof v} ${JSON.stringify(v)}`

const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Typed, located reads of one file's keys: every complaint names the dotted key, what it expected and the file. */
const reader = (file: string) => {
  const dotted = (s: Section, key: string) => (s.path === "" ? key : `${s.path}.${key}`)
  const wrong = (s: Section, key: string, expected: string) =>
    fail(`settings key "${dotted(s, key)}" in ${file} must be ${expected}, got ${describe(s.table[key])}`)
  const typed = <A>(expected: string, check: (v: unknown) => A | undefined) =>
    (s: Section, key: string): Effect.Effect<A | undefined, ConfigError> => {
      const v = s.table[key]
      if (v === undefined) return Effect.succeed(undefined)
      const a = check(v)
      return a === undefined ? wrong(s, key, expected) : Effect.succeed(a)
    }
  const duration = (min: number) => (v: unknown) => {
    const ms = typeof v === "number" || typeof v === "string" ? parseDurationMs(v) : undefined
    return ms !== undefined && ms >= min ? ms : undefined
  }
  return {
    onlyKeys: (s: Section, allowed: ReadonlyArray<string>): Effect.Effect<void, ConfigError> => {
      const unknown = Object.keys(s.table).find((k) => !allowed.includes(k))
      return unknown === undefined ? Effect.void : fail(`unknown settings key "${dotted(s, unknown)}" in ${file}`)
    },
    section: (s: Section, key: string): Effect.Effect<Section | undefined, ConfigError> => {
      const v = s.table[key]
      if (v === undefined) return Effect.succeed(undefined)
      return isTable(v) ? Effect.succeed({ table: v, path: dotted(s, key) }) : wrong(s, key, "a table")
    },
    string: typed("a non-empty string", (v) => (typeof v === "string" && v.trim() !== "" ? v : undefined)),
    boolean: typed("a boolean", (v) => (typeof v === "boolean" ? v : undefined)),
    positiveDuration: typed(`a positive duration (${DURATION_HINT})`, duration(1)),
    duration: typed(`a non-negative duration (${DURATION_HINT})`, duration(0)),
    reads: typed(`one of ${HttpReads.literals.map((r) => JSON.stringify(r)).join(", ")}`,
      (v) => HttpReads.literals.find((r) => r === v)),
    fileAccess: typed(`"owner" or "group"`, (v) => (v === "owner" || v === "group" ? v : undefined)),
    outage: typed(`"stay-ready" or "not-ready"`, (v) => (v === "stay-ready" || v === "not-ready" ? v : undefined)),
    port: typed("an integer port (0-65535)",
      (v) => (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65_535 ? v : undefined)),
    names: typed("an array of secret names",
      (v) => (Array.isArray(v) && v.every((n) => typeof n === "string" && SECRET_NAME.test(n))
        ? [...new Set(v.map(String))] : undefined))
  }
}

const validate = (doc: Section, file: string): Effect.Effect<SettingsLayer, ConfigError> =>
  Effect.gen(function*() {
    const r = reader(file)
    const values: Overrides = {}
    let profile: string | undefined
    const runtime = yield* r.section(doc, "runtime")
    let nested: Section | undefined
    if (runtime !== undefined) {
      yield* r.onlyKeys(runtime, [
        "profile", "cache_dir", "activity_store", "health_path", "shutdown_timeout", "health_interval",
        "watchers_enabled", "remote_enabled", "inline_manifest_only", "supervisor", "http", "shared_store_outage",
        "file_access", "allow_shared_cache_dir"
      ])
      profile = yield* r.string(runtime, "profile")
      assign(values, "cacheDir", yield* r.string(runtime, "cache_dir"))
      assign(values, "activityStore", yield* r.string(runtime, "activity_store"))
      assign(values, "healthPath", yield* r.string(runtime, "health_path"))
      assign(values, "shutdownTimeoutMs", yield* r.duration(runtime, "shutdown_timeout"))
      assign(values, "healthIntervalMs", yield* r.positiveDuration(runtime, "health_interval"))
      assign(values, "watchersEnabled", yield* r.boolean(runtime, "watchers_enabled"))
      assign(values, "remoteEnabled", yield* r.boolean(runtime, "remote_enabled"))
      assign(values, "inlineManifestOnly", yield* r.boolean(runtime, "inline_manifest_only"))
      assign(values, "sharedStoreOutage", yield* r.outage(runtime, "shared_store_outage"))
      assign(values, "fileAccess", yield* r.fileAccess(runtime, "file_access"))
      assign(values, "allowSharedCacheDir", yield* r.boolean(runtime, "allow_shared_cache_dir"))
      nested = yield* r.section(runtime, "supervisor")
      const http = yield* r.section(runtime, "http")
      if (http !== undefined) {
        yield* r.onlyKeys(http, ["host", "port", "reads", "admin_token_file"])
        assign(values, "httpHost", (yield* r.string(http, "host"))?.trim())
        assign(values, "httpPort", yield* r.port(http, "port"))
        assign(values, "httpReads", yield* r.reads(http, "reads"))
        const tokenFile = yield* r.string(http, "admin_token_file")
        if (tokenFile !== undefined) values.adminToken = new AdminTokenSource({ from: "file", file: tokenFile })
      }
    }

    // `[runtime_supervisor]` is the original's spelling: both may appear, but must not disagree.
    const sections = [nested, yield* r.section(doc, "runtime_supervisor")].filter((s) => s !== undefined)
    let supervisor: RuntimeSupervisorSettings | null = null
    if (sections.length > 0) {
      type Read = { readonly s: Section; readonly enabled: boolean | undefined; readonly poll: number | undefined }
      const read: Array<Read> = []
      for (const s of sections) {
        yield* r.onlyKeys(s, ["enabled", "poll_interval"])
        read.push({ s, enabled: yield* r.boolean(s, "enabled"), poll: yield* r.positiveDuration(s, "poll_interval") })
      }
      const [a, b] = read
      if (a !== undefined && b !== undefined) {
        for (const [key, name] of [["enabled", "enabled"], ["poll", "poll_interval"]] as const) {
          if (a[key] !== undefined && b[key] !== undefined && a[key] !== b[key]) {
            return yield* fail(`settings keys "${a.s.path}.${name}" and "${b.s.path}.${name}" disagree in ${file} `
              + `(${JSON.stringify(a.s.table[name])} vs ${JSON.stringify(b.s.table[name])}); keep one`)
          }
        }
      }
      const enabled = a?.enabled ?? b?.enabled
      const poll = a?.poll ?? b?.poll
      supervisor = new RuntimeSupervisorSettings({
        sections: sections.map((s) => (s.path === "runtime_supervisor" ? "runtime_supervisor" : "runtime.supervisor")),
        enabled: enabled ?? null,
        pollIntervalMs: poll ?? null
      })
      assign(values, "supervisorEnabled", enabled)
      assign(values, "pollIntervalMs", poll)
    }

    const secrets = yield* r.section(doc, "secrets")
    let secretsRequired: ReadonlyArray<string> = []
    let secretsDir: string | undefined
    if (secrets !== undefined) {
      yield* r.onlyKeys(secrets, ["required", "dir"])
      secretsRequired = (yield* r.names(secrets, "required")) ?? []
      secretsDir = yield* r.string(secrets, "dir")
    }
    return { file, profile: profile?.trim(), values, supervisor, secretsRequired, secretsDir }
  })

const assign = <K extends keyof Overrides>(out: Overrides, key: K, value: Overrides[K] | undefined) => {
  if (value !== undefined) out[key] = value
}

