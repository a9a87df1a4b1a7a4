/**
 * The resolved configuration (DESIGN §5) as Schema classes. Field names are snake_case on purpose: the encoded form
 * is what `supervisor-info --json` prints, and keeping the TypeScript names identical avoids a second vocabulary.
 */
import * as Schema from "effect/Schema"

/** Which layer decided a value, lowest precedence first. `profile` means "the profile's built-in default". */
export const DecidedBy = Schema.Literal("profile", "settings", "env", "option")
export type DecidedBy = typeof DecidedBy.Type

export const ProfileName = Schema.Literal("default", "serverless")
export type ProfileName = typeof ProfileName.Type

export const StoreKind = Schema.Literal("sqlite", "postgres")
export type StoreKind = typeof StoreKind.Type

/** A `postgres://` or `postgresql://` URL selects the PostgreSQL store; anything else is a SQLite file path. */
export const storeKindOf = (activityStore: string): StoreKind =>
  /^postgres(?:ql)?:\/\//i.test(activityStore) ? "postgres" : "sqlite"

export class HttpConfig extends Schema.Class<HttpConfig>("HttpConfig")({
  host: Schema.String,
  port: Schema.Int
}) {}

/** The values a profile starts from, before the settings file, the environment and the CLI options. */
export class ProfileDefaults extends Schema.Class<ProfileDefaults>("ProfileDefaults")({
  supervisor_enabled: Schema.Boolean,
  poll_interval_ms: Schema.Number,
  watchers_enabled: Schema.Boolean,
  remote_enabled: Schema.Boolean,
  inline_manifest_only: Schema.Boolean,
  shutdown_timeout_ms: Schema.Number,
  health_interval_ms: Schema.Number,
  http: HttpConfig
}) {}

/**
 * What the settings file said in `[runtime.supervisor]` and/or its alias `[runtime_supervisor]` (`sections` lists
 * the ones present); a key the file did not set is null. The original ignored this section silently (DESIGN §8).
 */
export class RuntimeSupervisorSettings extends Schema.Class<RuntimeSupervisorSettings>("RuntimeSupervisorSettings")({
  sections: Schema.Array(Schema.Literal("runtime.supervisor", "runtime_supervisor")),
  enabled: Schema.NullOr(Schema.Boolean),
  poll_interval_ms: Schema.NullOr(Schema.Number)
}) {}

/** The layer that decided each effective value (keys match the value names). */
export class Decisions extends Schema.Class<Decisions>("Decisions")({
  supervisor_enabled: DecidedBy,
  poll_interval_ms: DecidedBy,
  watchers_enabled: DecidedBy,
  remote_enabled: DecidedBy,
  inline_manifest_only: DecidedBy,
  shutdown_timeout_ms: DecidedBy,
  health_interval_ms: DecidedBy,
  http_host: DecidedBy,
  http_port: DecidedBy,
  cache_dir: DecidedBy,
  activity_store: DecidedBy,
  health_path: DecidedBy
}) {}

/** Absolute paths (or, for a PostgreSQL store, its URL as given). */
export class ConfigPaths extends Schema.Class<ConfigPaths>("ConfigPaths")({
  cache_dir: Schema.String,
  activity_store: Schema.String,
  health_path: Schema.String,
  settings_file: Schema.NullOr(Schema.String)
}) {}

/** Presence of the required secrets; never a value (DESIGN §5). */
export class SecretsStatus extends Schema.Class<SecretsStatus>("SecretsStatus")({
  provider: Schema.Literal("env+file"),
  dir: Schema.String,
  required: Schema.Array(Schema.String),
  status: Schema.Literal("ready", "missing"),
  missing: Schema.Array(Schema.String)
}) {}

export class ResolvedConfig extends Schema.Class<ResolvedConfig>("ResolvedConfig")({
  profile: ProfileName,
  profile_decided_by: DecidedBy,
  profile_default: ProfileDefaults,
  runtime_config: Schema.NullOr(RuntimeSupervisorSettings),
  /** Raw `ONEIRIC_RUNTIME_SUPERVISOR__ENABLED` (or its `ONEIRIC_RUNTIME__SUPERVISOR__ENABLED` spelling), or null. */
  env_override: Schema.NullOr(Schema.String),
  supervisor_enabled: Schema.Boolean,
  /** Who decided `supervisor_enabled` (the field the original printed); every value is in `decisions`. */
  decided_by: DecidedBy,
  poll_interval_ms: Schema.Number,
  watchers_enabled: Schema.Boolean,
  remote_enabled: Schema.Boolean,
  inline_manifest_only: Schema.Boolean,
  shutdown_timeout_ms: Schema.Number,
  /** How often the health snapshot is rewritten when nothing changes. */
  health_interval_ms: Schema.Number,
  http: HttpConfig,
  paths: ConfigPaths,
  store_kind: StoreKind,
  secrets: SecretsStatus,
  decisions: Decisions
}) {
  /** A copy fit for printing: a password inside a PostgreSQL URL is masked. The store needs the real one. */
  redacted(): ResolvedConfig {
    const store = redactUrl(this.paths.activity_store)
    if (store === this.paths.activity_store) return this
    return new ResolvedConfig({ ...this, paths: new ConfigPaths({ ...this.paths, activity_store: store }) })
  }
}

/** The constructor input of `ResolvedConfig`, e.g. for `ConfigResolver.layerStatic` overrides. */
export type ResolvedConfigFields = ConstructorParameters<typeof ResolvedConfig>[0]

/** Masks `user:PASSWORD@` and a `password=` query parameter in a URL; anything else is returned as is. */
export const redactUrl = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i, "$1***@").replace(/([?&]password=)[^&#]*/i, "$1***")
