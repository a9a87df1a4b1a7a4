/**
 * An in-memory resolved config for tests: the `default` profile under a fake absolute directory, no file, no env.
 */
import * as path from "node:path"
import {
  ConfigPaths, Decisions, type ResolvedConfigFields, ResolvedConfig, SecretsStatus, storeKindOf
} from "../Domain/Config.js"
import {
  DEFAULT_CACHE_DIR, DEFAULT_HEALTH_FILE, DEFAULT_SECRETS_DIR, DEFAULT_STORE_FILE, PROFILES
} from "./Profiles.js"

/** The fake working directory of `makeStatic`; nothing is created there. */
const STATIC_ROOT = "/tmp/oneiric-test"

const cacheDir = path.join(STATIC_ROOT, DEFAULT_CACHE_DIR)

/** Overrides replace whole top-level fields; `store_kind` follows an overridden `paths.activity_store`. */
export const makeStatic = (overrides: Partial<ResolvedConfigFields> = {}): ResolvedConfig => {
  const p = PROFILES.default
  const paths = overrides.paths ?? new ConfigPaths({
    cache_dir: cacheDir,
    activity_store: path.join(cacheDir, DEFAULT_STORE_FILE),
    health_path: path.join(cacheDir, DEFAULT_HEALTH_FILE),
    settings_file: null
  })
  return new ResolvedConfig({
    profile: "default",
    profile_decided_by: "profile",
    profile_default: p,
    runtime_config: null,
    env_override: null,
    supervisor_enabled: p.supervisor_enabled,
    decided_by: "profile",
    poll_interval_ms: p.poll_interval_ms,
    watchers_enabled: p.watchers_enabled,
    remote_enabled: p.remote_enabled,
    inline_manifest_only: p.inline_manifest_only,
    shutdown_timeout_ms: p.shutdown_timeout_ms,
    health_interval_ms: p.health_interval_ms,
    http: p.http,
    paths,
    store_kind: storeKindOf(paths.activity_store),
    secrets: new SecretsStatus({
      provider: "env+file", dir: DEFAULT_SECRETS_DIR, required: [], status: "ready", missing: []
    }),
    decisions: new Decisions({
      supervisor_enabled: "profile", poll_interval_ms: "profile", watchers_enabled: "profile",
      remote_enabled: "profile", inline_manifest_only: "profile", shutdown_timeout_ms: "profile", health_interval_ms: "profile",
      http_host: "profile", http_port: "profile", cache_dir: "profile", activity_store: "profile",
      health_path: "profile"
    }),
    ...overrides
  })
}
