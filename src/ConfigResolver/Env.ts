/**
 * The environment layer: `ONEIRIC_` prefix, `__` for nesting, upper case only. An empty variable counts as unset
 * (so `ONEIRIC_PROFILE= oneiric …` clears it). A value that does not parse is an error naming the variable.
 */
import * as Effect from "effect/Effect"
import { AdminTokenSource, HttpReads } from "../Domain/Config.js"
import { ConfigError } from "../Domain/Errors.js"
import { DURATION_HINT, parseDurationMs } from "../Domain/Duration.js"
import type { Overrides, Values } from "./Profiles.js"

export type Env = Readonly<Record<string, string | undefined>>

const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true, "1": true, yes: true, on: true,
  false: false, "0": false, no: false, off: false
}

const parseBoolean = (raw: string): boolean | undefined => BOOLEANS[raw.trim().toLowerCase()]

const parsePort = (raw: string): number | undefined => {
  const text = raw.trim()
  if (!/^\d{1,5}$/.test(text)) return undefined
  const port = Number(text)
  return port <= 65_535 ? port : undefined
}

const positiveDuration = (raw: string) => {
  const ms = parseDurationMs(raw)
  return ms !== undefined && ms > 0 ? ms : undefined
}
const nonNegativeDuration = (raw: string) => {
  const ms = parseDurationMs(raw)
  return ms !== undefined && ms >= 0 ? ms : undefined
}
const text = (raw: string) => raw
const isHttpReads = (raw: string): raw is HttpReads => HttpReads.literals.some((r) => r === raw)
const httpReads = (raw: string) => {
  const value = raw.trim().toLowerCase()
  return isHttpReads(value) ? value : undefined
}
const outage = (raw: string) => {
  const value = raw.trim().toLowerCase()
  return value === "stay-ready" || value === "not-ready" ? value : undefined
}

const fileAccess = (raw: string) => {
  const value = raw.trim().toLowerCase()
  return value === "owner" || value === "group" ? value : undefined
}

const BOOLEAN_HINT = "is not a boolean (true|false|1|0|yes|no|on|off)"

interface Variable {
  readonly name: string
  /** Parses the raw value into `out`; returns an error message, or undefined when it is fine. */
  readonly read: (raw: string, out: Overrides, env: Env) => string | undefined
}

/** `aliasOf`: another spelling of the same setting; both set to different values is an error, not a silent pick. */
const variable = <K extends keyof Values>(
  name: string,
  key: K,
  parse: (raw: string) => Values[K] | undefined,
  complaint: string,
  aliasOf?: string
): Variable => ({
  name,
  read: (raw, out, env) => {
    const value = parse(raw)
    if (value === undefined) return `${name}=${JSON.stringify(raw)} ${complaint}`
    // Only the alias (read earlier) can have set `key` already.
    if (aliasOf !== undefined && out[key] !== undefined && out[key] !== value) {
      return `${name}=${JSON.stringify(raw)} conflicts with ${aliasOf}=${JSON.stringify(env[aliasOf])}`
    }
    out[key] = value
    return undefined
  }
})

const ADMIN_TOKEN = "ONEIRIC_ADMIN_TOKEN"
const ADMIN_TOKEN_FILE = "ONEIRIC_ADMIN_TOKEN_FILE"

/**
 * The admin token's variables record only where the token is: its value is read by the HTTP server,
 * and no message ever quotes it. Giving both is an error, not a silent pick.
 */
const ADMIN_TOKEN_VARIABLES: ReadonlyArray<Variable> = [
  {
    name: ADMIN_TOKEN,
    read: (_raw, out) => {
      out.adminToken = new AdminTokenSource({ from: "env", file: null })
      return undefined
    }
  },
  {
    name: ADMIN_TOKEN_FILE,
    read: (raw, out) => {
      if (out.adminToken !== undefined) return `${ADMIN_TOKEN} and ${ADMIN_TOKEN_FILE} are both set; set one`
      out.adminToken = new AdminTokenSource({ from: "file", file: raw })
      return undefined
    }
  }
]

const SUPERVISOR_ENABLED = "ONEIRIC_RUNTIME_SUPERVISOR__ENABLED"
const SUPERVISOR_ENABLED_NESTED = "ONEIRIC_RUNTIME__SUPERVISOR__ENABLED"
const POLL = "ONEIRIC_RUNTIME_SUPERVISOR__POLL_INTERVAL"
const POLL_NESTED = "ONEIRIC_RUNTIME__SUPERVISOR__POLL_INTERVAL"
const interval = `is not a positive duration (${DURATION_HINT})`

/** In precedence order where two variables set one value: `ONEIRIC_RUNTIME__HTTP__PORT` beats the platform's `PORT`. */
const VARIABLES: ReadonlyArray<Variable> = [
  variable("ONEIRIC_CACHE_DIR", "cacheDir", text, ""),
  variable("ONEIRIC_ACTIVITY_STORE", "activityStore", text, ""),
  variable("ONEIRIC_HEALTH_PATH", "healthPath", text, ""),
  variable(SUPERVISOR_ENABLED, "supervisorEnabled", parseBoolean, BOOLEAN_HINT),
  variable(SUPERVISOR_ENABLED_NESTED, "supervisorEnabled", parseBoolean, BOOLEAN_HINT, SUPERVISOR_ENABLED),
  variable(POLL, "pollIntervalMs", positiveDuration, interval),
  variable(POLL_NESTED, "pollIntervalMs", positiveDuration, interval, POLL),
  variable("ONEIRIC_RUNTIME__WATCHERS_ENABLED", "watchersEnabled", parseBoolean, BOOLEAN_HINT),
  variable("ONEIRIC_RUNTIME__REMOTE_ENABLED", "remoteEnabled", parseBoolean, BOOLEAN_HINT),
  variable("ONEIRIC_RUNTIME__INLINE_MANIFEST_ONLY", "inlineManifestOnly", parseBoolean, BOOLEAN_HINT),
  variable("ONEIRIC_RUNTIME__SHUTDOWN_TIMEOUT", "shutdownTimeoutMs", nonNegativeDuration,
    `is not a non-negative duration (${DURATION_HINT})`),
  variable("ONEIRIC_RUNTIME__HEALTH_INTERVAL", "healthIntervalMs", positiveDuration, interval),
  variable("ONEIRIC_RUNTIME__SHARED_STORE_OUTAGE", "sharedStoreOutage", outage, "is not stay-ready or not-ready"),
  variable("ONEIRIC_RUNTIME__FILE_ACCESS", "fileAccess", fileAccess, "is not owner or group"),
  variable("ONEIRIC_RUNTIME__ALLOW_SHARED_CACHE_DIR", "allowSharedCacheDir", parseBoolean, BOOLEAN_HINT),
  variable("ONEIRIC_RUNTIME__HTTP__HOST", "httpHost", (raw) => raw.trim() || undefined, "is not a host name"),
  variable("PORT", "httpPort", parsePort, "is not a port (0-65535)"),
  variable("ONEIRIC_RUNTIME__HTTP__PORT", "httpPort", parsePort, "is not a port (0-65535)"),
  variable("ONEIRIC_RUNTIME__HTTP__READS", "httpReads", httpReads, `is not one of ${HttpReads.literals.join(", ")}`),
  ...ADMIN_TOKEN_VARIABLES
]

const KNOWN = new Set(["ONEIRIC_PROFILE", "ONEIRIC_CONFIG", ...VARIABLES.map((v) => v.name)])

interface EnvLayer {
  readonly profile: string | undefined
  readonly configPath: string | undefined
  readonly values: Overrides
  /** The raw supervisor switch, reported as `env_override`. */
  readonly supervisorEnabledRaw: string | null
}

const get = (env: Env, name: string): string | undefined => {
  const value = env[name]
  return value === undefined || value === "" ? undefined : value
}

export const readEnv = (env: Env): Effect.Effect<EnvLayer, ConfigError> =>
  Effect.suspend(() => {
    const values: Overrides = {}
    for (const v of VARIABLES) {
      const raw = get(env, v.name)
      const problem = raw === undefined ? undefined : v.read(raw, values, env)
      if (problem !== undefined) return Effect.fail(new ConfigError({ message: problem }))
    }
    // Typo protection for the settings this project owns; other ONEIRIC_* variables belong to the Python runtime.
    const unknown = Object.keys(env)
      .filter((name) => name.startsWith("ONEIRIC_RUNTIME") && !KNOWN.has(name) && get(env, name) !== undefined)
      .sort()
    if (unknown.length > 0) {
      const known = VARIABLES.map((v) => v.name).filter((name) => name.startsWith("ONEIRIC_RUNTIME"))
      return Effect.fail(new ConfigError({
        message: `unknown environment variable ${unknown[0]}; expected one of: ${known.join(", ")}`
      }))
    }
    return Effect.succeed({
      profile: get(env, "ONEIRIC_PROFILE")?.trim(),
      configPath: get(env, "ONEIRIC_CONFIG"),
      values,
      supervisorEnabledRaw: get(env, SUPERVISOR_ENABLED) ?? get(env, SUPERVISOR_ENABLED_NESTED) ?? null
    })
  })
