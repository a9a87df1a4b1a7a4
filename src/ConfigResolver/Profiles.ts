/**
 * The built-in profiles (DESIGN §5) and the flat value set every layer (profile < settings < env < option) fills in.
 */
import { type AdminTokenSource, type FileAccess, HttpConfig, type HttpReads, ProfileDefaults, type ProfileName, type SharedStoreOutage } from "../Domain/Config.js"

export const PROFILE_NAMES: ReadonlyArray<ProfileName> = ["default", "serverless"]

export const isProfileName = (name: string): name is ProfileName => PROFILE_NAMES.some((p) => p === name)

/**
 * `default`: a long-running process on a host; HTTP only on loopback, 8787 chosen to stay clear of the usual 8080.
 * `serverless` (Cloud Run and friends): no watchers or remote sync, inline manifests only, HTTP on every interface
 * at `$PORT` (applied as an environment value, see Env.ts) else 8080, and a shutdown budget under Cloud Run's 10 s.
 */
export const PROFILES: Readonly<Record<ProfileName, ProfileDefaults>> = {
  default: new ProfileDefaults({
    supervisorEnabled: true,
    pollIntervalMs: 250,
    watchersEnabled: true,
    remoteEnabled: true,
    inlineManifestOnly: false,
    shutdownTimeoutMs: 10_000,
    healthIntervalMs: 5_000,
    http: new HttpConfig({ host: "127.0.0.1", port: 8787 })
  }),
  serverless: new ProfileDefaults({
    supervisorEnabled: true,
    pollIntervalMs: 250,
    watchersEnabled: false,
    remoteEnabled: false,
    inlineManifestOnly: true,
    shutdownTimeoutMs: 8_000,
    healthIntervalMs: 5_000,
    http: new HttpConfig({ host: "0.0.0.0", port: 8080 })
  })
}

/** Relative to the working directory, like the original. */
export const DEFAULT_CACHE_DIR = ".oneiric_cache"
export const DEFAULT_STORE_FILE = "domain_activity.sqlite"
export const DEFAULT_HEALTH_FILE = "runtime_health.json"
export const DEFAULT_SECRETS_DIR = "/run/secrets"
export const DEFAULT_SHARED_STORE_OUTAGE: SharedStoreOutage = "stay-ready"
export const DEFAULT_FILE_ACCESS: FileAccess = "owner"

/** Every value a layer can decide; the keys match `Decisions`. Paths are raw here (resolved at the end). */
export interface Values {
  readonly supervisorEnabled: boolean
  readonly pollIntervalMs: number
  readonly watchersEnabled: boolean
  readonly remoteEnabled: boolean
  readonly inlineManifestOnly: boolean
  readonly shutdownTimeoutMs: number
  readonly healthIntervalMs: number
  readonly httpHost: string
  readonly httpPort: number
  readonly httpReads: HttpReads
  /** Where the admin token comes from; a file path is raw here like every path. */
  readonly adminToken: AdminTokenSource
  readonly cacheDir: string
  readonly activityStore: string
  readonly healthPath: string
  readonly sharedStoreOutage: SharedStoreOutage
  readonly fileAccess: FileAccess
  readonly allowSharedCacheDir: boolean
}

/** What one layer says; an absent key leaves the decision to a lower layer. */
export type Overrides = { -readonly [K in keyof Values]?: Values[K] }
