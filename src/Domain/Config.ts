/**
 * The resolved configuration (DESIGN §5) as Schema classes: camelCase in code, snake_case in the JSON
 * `supervisor-info --json` prints (and the health snapshot embeds), through each field's Schema.
 */
import * as Schema from "effect/Schema"
import { snake } from "./Fields.js"

/** Which layer decided a value, lowest precedence first. `profile` means "the profile's built-in default". */
export const DecidedBy = Schema.Literal("profile", "settings", "env", "option")
export type DecidedBy = typeof DecidedBy.Type

export const ProfileName = Schema.Literal("default", "serverless")
export type ProfileName = typeof ProfileName.Type

export const StoreKind = Schema.Literal("sqlite", "postgres")
export type StoreKind = typeof StoreKind.Type

/**
 * Readiness while a shared (PostgreSQL) store is unreachable: `stay-ready` (the default: one database blip must
 * not take the whole fleet out of rotation; the last known state stays enforced) or `not-ready`.
 */
export const SharedStoreOutage = Schema.Literal("stay-ready", "not-ready")
export type SharedStoreOutage = typeof SharedStoreOutage.Type

/**
 * Who may use the files of the cache dir: `owner` (the default: the dir 0700, every file 0600) or `group`
 * (the dir 2770 — setgid, so files take the dir's group — every file 0660, and a group-writable dir is accepted).
 */
export const FileAccess = Schema.Literal("owner", "group")
export type FileAccess = typeof FileAccess.Type

/** A `postgres://` or `postgresql://` URL selects the PostgreSQL store; anything else is a SQLite file path. */
export const storeKindOf = (activityStore: string): StoreKind =>
  /^postgres(?:ql)?:\/\//i.test(activityStore) ? "postgres" : "sqlite"

export class HttpConfig extends Schema.Class<HttpConfig>("HttpConfig")({
  host: Schema.String,
  port: Schema.Int
}) {}

/**
 * Who may read the console and the reads (`/`, `/events`, `/activity`, `/api/history`): `auto` (the
 * default) leaves them open on a loopback address and asks for the admin token on any other; `open`
 * and `token` decide it whatever the address. Probes are always open; writes always need the token.
 */
export const HttpReads = Schema.Literal("auto", "open", "token")
export type HttpReads = typeof HttpReads.Type

/**
 * Where the admin token comes from, never its value (it is read by the HTTP server when `run` starts):
 * `env` is `ONEIRIC_ADMIN_TOKEN`, `file` a file named by a setting (a mounted secret), `none` leaves
 * the write API closed (403) and the console read-only.
 */
export class AdminTokenSource extends Schema.Class<AdminTokenSource>("AdminTokenSource")({
  from: Schema.Literal("env", "file", "none"),
  /** The file, for `from: "file"` (absolute). */
  file: Schema.NullOr(Schema.String)
}) {}

/** The HTTP server's access rules (see `docs/console.md`). */
export class HttpAccess extends Schema.Class<HttpAccess>("HttpAccess")({
  adminToken: snake(AdminTokenSource, "admin_token"),
  reads: HttpReads
}) {}

/** The values a profile starts from, before the settings file, the environment and the CLI options. */
export class ProfileDefaults extends Schema.Class<ProfileDefaults>("ProfileDefaults")({
  supervisorEnabled: snake(Schema.Boolean, "supervisor_enabled"),
  pollIntervalMs: snake(Schema.Number, "poll_interval_ms"),
  watchersEnabled: snake(Schema.Boolean, "watchers_enabled"),
  remoteEnabled: snake(Schema.Boolean, "remote_enabled"),
  inlineManifestOnly: snake(Schema.Boolean, "inline_manifest_only"),
  shutdownTimeoutMs: snake(Schema.Number, "shutdown_timeout_ms"),
  healthIntervalMs: snake(Schema.Number, "health_interval_ms"),
  http: HttpConfig
}) {}

/**
 * What the settings file said in `[runtime.supervisor]` and/or its alias `[runtime_supervisor]` (`sections` lists
 * the ones present); a key the file did not set is null. The original ignored this section silently (DESIGN §8).
 */
export class RuntimeSupervisorSettings extends Schema.Class<RuntimeSupervisorSettings>("RuntimeSupervisorSettings")({
  sections: Schema.Array(Schema.Literal("runtime.supervisor", "runtime_supervisor")),
  enabled: Schema.NullOr(Schema.Boolean),
  pollIntervalMs: snake(Schema.NullOr(Schema.Number), "poll_interval_ms")
}) {}

/** The layer that decided each effective value (keys match the value names). */
export class Decisions extends Schema.Class<Decisions>("Decisions")({
  supervisorEnabled: snake(DecidedBy, "supervisor_enabled"),
  pollIntervalMs: snake(DecidedBy, "poll_interval_ms"),
  watchersEnabled: snake(DecidedBy, "watchers_enabled"),
  remoteEnabled: snake(DecidedBy, "remote_enabled"),
  inlineManifestOnly: snake(DecidedBy, "inline_manifest_only"),
  shutdownTimeoutMs: snake(DecidedBy, "shutdown_timeout_ms"),
  healthIntervalMs: snake(DecidedBy, "health_interval_ms"),
  httpHost: snake(DecidedBy, "http_host"),
  httpPort: snake(DecidedBy, "http_port"),
  httpReads: snake(DecidedBy, "http_reads"),
  adminToken: snake(DecidedBy, "admin_token"),
  cacheDir: snake(DecidedBy, "cache_dir"),
  activityStore: snake(DecidedBy, "activity_store"),
  healthPath: snake(DecidedBy, "health_path"),
  sharedStoreOutage: snake(DecidedBy, "shared_store_outage"),
  fileAccess: snake(DecidedBy, "file_access"),
  allowSharedCacheDir: snake(DecidedBy, "allow_shared_cache_dir")
}) {}

/** Absolute paths (or, for a PostgreSQL store, its URL as given). */
export class ConfigPaths extends Schema.Class<ConfigPaths>("ConfigPaths")({
  cacheDir: snake(Schema.String, "cache_dir"),
  activityStore: snake(Schema.String, "activity_store"),
  healthPath: snake(Schema.String, "health_path"),
  settingsFile: snake(Schema.NullOr(Schema.String), "settings_file")
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
  profileDecidedBy: snake(DecidedBy, "profile_decided_by"),
  profileDefault: snake(ProfileDefaults, "profile_default"),
  runtimeConfig: snake(Schema.NullOr(RuntimeSupervisorSettings), "runtime_config"),
  /** Raw `ONEIRIC_RUNTIME_SUPERVISOR__ENABLED` (or its `ONEIRIC_RUNTIME__SUPERVISOR__ENABLED` spelling), or null. */
  envOverride: snake(Schema.NullOr(Schema.String), "env_override"),
  supervisorEnabled: snake(Schema.Boolean, "supervisor_enabled"),
  /** Who decided `supervisor_enabled` (the field the original printed); every value is in `decisions`. */
  decidedBy: snake(DecidedBy, "decided_by"),
  pollIntervalMs: snake(Schema.Number, "poll_interval_ms"),
  watchersEnabled: snake(Schema.Boolean, "watchers_enabled"),
  remoteEnabled: snake(Schema.Boolean, "remote_enabled"),
  inlineManifestOnly: snake(Schema.Boolean, "inline_manifest_only"),
  shutdownTimeoutMs: snake(Schema.Number, "shutdown_timeout_ms"),
  /** How often the health snapshot is rewritten when nothing changes. */
  healthIntervalMs: snake(Schema.Number, "health_interval_ms"),
  http: HttpConfig,
  httpAccess: snake(HttpAccess, "http_access"),
  paths: ConfigPaths,
  storeKind: snake(StoreKind, "store_kind"),
  /** Readiness while a shared (PostgreSQL) store is unreachable. */
  sharedStoreOutage: snake(SharedStoreOutage, "shared_store_outage"),
  /** Modes of the cache dir and its files (`owner`: 0700/0600; `group`: 2770/0660). */
  fileAccess: snake(FileAccess, "file_access"),
  /** Use a cache dir others can write (refused by default: they could swap the store or the snapshot). */
  allowSharedCacheDir: snake(Schema.Boolean, "allow_shared_cache_dir"),
  secrets: SecretsStatus,
  decisions: Decisions
}) {
  /** A copy fit for printing: a password inside a PostgreSQL URL is masked. The store needs the real one. */
  redacted(): ResolvedConfig {
    const store = redactUrl(this.paths.activityStore)
    if (store === this.paths.activityStore) return this
    return new ResolvedConfig({ ...this, paths: new ConfigPaths({ ...this.paths, activityStore: store }) })
  }
}

/** The constructor input of `ResolvedConfig`, e.g. for `ConfigResolver.layerStatic` overrides. */
export type ResolvedConfigFields = ConstructorParameters<typeof ResolvedConfig>[0]

/** Masks `user:PASSWORD@` and a `password=` query parameter in a URL; anything else is returned as is. */
export const redactUrl = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*:)[^@/?#]*@/i, "$1***@").replace(/([?&]password=)[^&#]*/i, "$1***")
