/** `oneiric supervisor-info`: the resolved configuration and who decided each value. */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ConfigResolver } from "../ConfigResolver.js"
import { ResolvedConfig } from "../Domain/Config.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"
import { storePresence } from "./StorePresence.js"

export const supervisorInfoCommand = Command.make("supervisor-info", { json: Shared.json }, ({ json }) =>
  Effect.flatMap(ConfigResolver, (config) => print(json, ResolvedConfig, config.redacted(), describe)).pipe(withLayer(Layer.empty))
).pipe(Command.withDescription("Show the resolved configuration and who decided it"))

/** Whether an admin token is set and where from; never its value. */
const adminToken = (c: ResolvedConfig): string => {
  const token = c.httpAccess.adminToken
  if (token.from === "none") return "not set (the write API is closed)"
  const where = token.from === "env" ? "ONEIRIC_ADMIN_TOKEN" : `file ${token.file}`
  return `set (${where}, decided by ${c.decisions.adminToken})`
}

const describe = (c: ResolvedConfig): string => {
  const d = c.decisions
  const rows: ReadonlyArray<readonly [string, string]> = [
    ["profile", `${c.profile} (decided by ${c.profileDecidedBy})`],
    ["supervisor_enabled", `${c.supervisorEnabled} (decided by ${c.decidedBy})`],
    ["env_override", c.envOverride ?? "-"],
    ["runtime_config", c.runtimeConfig === null ? "-" : `${c.runtimeConfig.sections.join(", ")}: enabled=${c.runtimeConfig.enabled ?? "-"} poll_interval_ms=${c.runtimeConfig.pollIntervalMs ?? "-"}`],
    ["poll_interval_ms", `${c.pollIntervalMs} (decided by ${d.pollIntervalMs})`],
    ["watchers_enabled", `${c.watchersEnabled} (decided by ${d.watchersEnabled})`],
    ["remote_enabled", `${c.remoteEnabled} (decided by ${d.remoteEnabled})`],
    ["inline_manifest_only", `${c.inlineManifestOnly} (decided by ${d.inlineManifestOnly})`],
    ["shutdown_timeout_ms", `${c.shutdownTimeoutMs} (decided by ${d.shutdownTimeoutMs})`],
    ["http", `${c.http.host}:${c.http.port}`],
    ["http_reads", `${c.httpAccess.reads} (decided by ${d.httpReads})`],
    ["admin_token", adminToken(c)],
    ["settings_file", c.paths.settingsFile ?? "- (none found)"],
    ["cache_dir", c.paths.cacheDir],
    ["file_access", `${c.fileAccess} (decided by ${d.fileAccess}; dir ${c.fileAccess === "group" ? "2770, files 0660" : "0700, files 0600"})`],
    ["allow_shared_cache_dir", `${c.allowSharedCacheDir} (decided by ${d.allowSharedCacheDir})`],
    ["activity_store", `${c.paths.activityStore} (${c.storeKind}; decided by ${d.activityStore}${storePresence(c).present ? "" : "; no store there yet"})`],
    ["shared_store_outage", `${c.sharedStoreOutage} (decided by ${d.sharedStoreOutage})`],
    ["health_path", c.paths.healthPath],
    ["secrets", c.secrets.required.length === 0 ? "none required" : c.secrets.status === "ready" ? `ready (${c.secrets.required.join(", ")})` : `missing: ${c.secrets.missing.join(", ")}`]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")
}
