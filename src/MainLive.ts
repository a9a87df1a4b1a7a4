/**
 * The application's Layers, composed once: the CLI commands, `oneiric run` and embedding apps build
 * from these and nothing else.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { ActivityQuery } from "./ActivityQuery.js"
import { ActivityStore } from "./ActivityStore.js"
import { ConfigResolver } from "./ConfigResolver.js"
import type { ConfigOptions } from "./ConfigResolver.js"
import * as path from "node:path"
import type { ConfigError } from "./Domain/Errors.js"
import { filePolicyOf, modesOf, prepareDir } from "./Internal/Files.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import { HealthSnapshot } from "./HealthSnapshot.js"
import { Instances } from "./Instances.js"
import { Lifecycle } from "./Lifecycle.js"
import { Operator } from "./Operator.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

const BARE = /^[^\s"=]+$/
const logfmtValue = (value: string) => (BARE.test(value) ? value : JSON.stringify(value))
/** Whole milliseconds for spans, a few decimals at most for other numbers: logs are read by people. */
const shown = (value: unknown) => (typeof value === "number" && !Number.isInteger(value) ? String(Math.round(value * 1000) / 1000) : Inspectable.toStringUnknown(value, 0))

/**
 * logfmt for people: timestamp, level, message, the annotations that say something (an absent value —
 * `null`, `undefined` — is left out) and spans. No fiber ids: they mean nothing to an operator.
 */
export const operatorLogfmt = Logger.make<unknown, string>(({ annotations, cause, date, logLevel, message, spans }) => {
  let out = `timestamp=${date.toISOString()} level=${logLevel.label}`
  for (const part of Array.isArray(message) ? message : [message]) out += ` message=${logfmtValue(shown(part))}`
  if (!Cause.isEmptyType(cause)) out += ` cause=${logfmtValue(Cause.pretty(cause, { renderErrorCause: true }))}`
  for (const span of spans) out += ` ${span.label}=${Math.round(date.getTime() - span.startTime)}ms`
  for (const [label, value] of annotations) {
    if (value === null || value === undefined) continue
    out += ` ${label}=${logfmtValue(shown(value))}`
  }
  return out
})

/** Logs as logfmt lines on stderr: stdout belongs to command output (`--json` stays one document). */
export const LoggerLive = Logger.replace(Logger.defaultLogger, Logger.withConsoleError(operatorLogfmt))

/** The configuration from the CLI's options, the settings file and the environment. */
export const ConfigLive = (options: ConfigOptions) => ConfigResolver.layer(options)

/**
 * The store the configuration names: the embedded SQLite file by default, or a shared PostgreSQL database. A
 * SQLite store's directory must be one nobody else can write (`ConfigError` otherwise, see `file_access` and
 * `allow_shared_cache_dir`); a new store file is created with the policy's mode.
 */
const makeStoreLive = (options?: { readonly busyTimeoutMs?: number }): Layer.Layer<ActivityStore, StoreUnavailable | ConfigError, ConfigResolver> =>
  Layer.unwrapEffect(
    Effect.gen(function*() {
      const config = yield* ConfigResolver
      if (config.storeKind === "postgres") return ActivityStore.layerPostgres({ url: config.paths.activityStore })
      const policy = filePolicyOf(config)
      const dir = path.dirname(config.paths.activityStore)
      yield* prepareDir(dir, policy, { what: dir === config.paths.cacheDir ? "cache dir" : "store dir", create: true })
      return ActivityStore.layerSqlite({ filename: config.paths.activityStore, busyTimeoutMs: options?.busyTimeoutMs, fileMode: modesOf(policy.access).file })
    })
  )

/** For operator commands: wait up to 5 s for another connection's lock. */
export const StoreLive = makeStoreLive()

/** What operator commands read: the activity report, the history, effective states. */
export const QueryLive: Layer.Layer<ActivityQuery | ActivityStore, StoreUnavailable | ConfigError, ConfigResolver> = ActivityQuery.layer.pipe(
  Layer.provideMerge(StoreLive)
)

/** What operator commands write with: transitions reported with the key's effective state. */
export const OperatorLive: Layer.Layer<Operator | ActivityStore, StoreUnavailable | ConfigError, ConfigResolver> = Operator.layer.pipe(
  Layer.provideMerge(StoreLive)
)

/**
 * Long-running processes wait at most this long for a lock: SQLite waits synchronously, and a
 * blocked event loop would stall every gate (a failed tick is retried with backoff instead).
 */
const RUNTIME_BUSY_TIMEOUT_MS = 250

export interface RuntimeOptions extends ConfigOptions {
  /** How often this process publishes its in-flight counts (default 1 s). */
  readonly heartbeatMs?: number | undefined
}

/**
 * Everything a process that runs gated work needs, from configuration: config, store, supervisor
 * (loading, then following the store), work gate, and this instance's heartbeat in the store.
 */
export const RuntimeLive = (options: RuntimeOptions = {}): Layer.Layer<
  Instances | WorkGate | Supervisor | ActivityStore | ConfigResolver,
  ConfigError | StoreUnavailable
> => Layer.provideMerge(RuntimeFromConfig(options), ConfigLive(options))

/** `RuntimeLive` over a ConfigResolver the caller provides. */
export const RuntimeFromConfig = (options: { readonly heartbeatMs?: number | undefined } = {}): Layer.Layer<
  Instances | WorkGate | Supervisor | ActivityStore,
  StoreUnavailable | ConfigError,
  ConfigResolver
> =>
  Instances.layer({ heartbeatMs: options.heartbeatMs }).pipe(
    Layer.provideMerge(WorkGate.layer),
    Layer.provideMerge(Supervisor.layer),
    Layer.provideMerge(makeStoreLive({ busyTimeoutMs: RUNTIME_BUSY_TIMEOUT_MS }))
  )

export interface OrchestratorOptions extends RuntimeOptions {
  /** How often the lifecycle registry runs every component's health check (default 5 s). */
  readonly checkIntervalMs?: number | undefined
}

/**
 * `RuntimeLive` plus the lifecycle registry, the health snapshot writer and the operator services
 * (what `oneiric run` serves). The health layer is released first, so the stop snapshot is
 * written while the supervisor is still up.
 */
export const OrchestratorLive = (options: OrchestratorOptions = {}): Layer.Layer<
  HealthSnapshot | Lifecycle | Operator | ActivityQuery | Instances | WorkGate | Supervisor | ActivityStore | ConfigResolver,
  ConfigError | StoreUnavailable
> => Layer.provideMerge(OrchestratorFromConfig(options), ConfigLive(options))

/** `OrchestratorLive` over a ConfigResolver the caller provides (what `oneiric run` builds). */
export const OrchestratorFromConfig = (options: Omit<OrchestratorOptions, keyof ConfigOptions> = {}): Layer.Layer<
  HealthSnapshot | Lifecycle | Operator | ActivityQuery | Instances | WorkGate | Supervisor | ActivityStore,
  StoreUnavailable | ConfigError,
  ConfigResolver
> =>
  HealthSnapshot.layerFile().pipe(
    Layer.provideMerge(Lifecycle.layer({ intervalMs: options.checkIntervalMs })),
    Layer.provideMerge(Layer.merge(Operator.layer, ActivityQuery.layer)),
    Layer.provideMerge(RuntimeFromConfig(options))
  )
