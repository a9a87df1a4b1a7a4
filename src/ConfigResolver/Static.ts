/**
 * An in-memory resolved config for tests: the `default` profile under a fake absolute directory, no file, no env.
 */
import * as path from "node:path"
import {
  AdminTokenSource, ConfigPaths, Decisions, HttpAccess, type ResolvedConfigFields, ResolvedConfig, SecretsStatus, storeKindOf
} from "../Domain/Config.js"
import {
  DEFAULT_CACHE_DIR, DEFAULT_FILE_ACCESS, DEFAULT_HEALTH_FILE, DEFAULT_SECRETS_DIR, DEFAULT_SHARED_STORE_OUTAGE, DEFAULT_STORE_FILE, PROFILES
} from "./Profiles.js"

/** The fake working directory of `makeStatic`; nothing is created there. */
const STATIC_ROOT = "/tmp/oneiric-test"

const cacheDir = path.join(STATIC_ROOT, DEFAULT_CACHE_DIR)

/** Overrides replace whole top-level fields; `store_kind` follows an overridden `paths.activity_store`. */
export const makeStatic = (overrides: Partial<ResolvedConfigFields> = {}): ResolvedConfig => {
  const p = PROFILES.default
  const paths = overrides.paths ?? new ConfigPaths({
    cacheDir: cacheDir,
    activityStore: path.join(cacheDir, DEFAULT_STORE_FILE),
    healthPath: path.join(cacheDir, DEFAULT_HEALTH_FILE),
    settingsFile: null
  })
  return new ResolvedConfig({
    profile: "default",
    profileDecidedBy: "profile",
    profileDefault: p,
    runtimeConfig: null,
    envOverride: null,
    supervisorEnabled: p.supervisorEnabled,
    decidedBy: "profile",
    pollIntervalMs: p.pollIntervalMs,
    watchersEnabled: p.watchersEnabled,
    remoteEnabled: p.remoteEnabled,
    inlineManifestOnly: p.inlineManifestOnly,
    shutdownTimeoutMs: p.shutdownTimeoutMs,
    healthIntervalMs: p.healthIntervalMs,
    http: p.http,
    httpAccess: new HttpAccess({ adminToken: new AdminTokenSource({ from: "none", file: null }), reads: "auto" }),
    paths,
    storeKind: storeKindOf(paths.activityStore),
    sharedStoreOutage: DEFAULT_SHARED_STORE_OUTAGE,
    fileAccess: DEFAULT_FILE_ACCESS,
    allowSharedCacheDir: false,
    secrets: new SecretsStatus({
      provider: "env+file", dir: DEFAULT_SECRETS_DIR, required: [], status: "ready", missing: []
    }),
    decisions: new Decisions({
      supervisorEnabled: "profile", pollIntervalMs: "profile", watchersEnabled: "profile",
      remoteEnabled: "profile", inlineManifestOnly: "profile", shutdownTimeoutMs: "profile", healthIntervalMs: "profile",
      httpHost: "profile", httpPort: "profile", httpReads: "profile", adminToken: "profile", cacheDir: "profile", activityStore: "profile",
      healthPath: "profile", sharedStoreOutage: "profile", fileAccess: "profile", allowSharedCacheDir: "profile"
    }),
    ...overrides
  })
}
