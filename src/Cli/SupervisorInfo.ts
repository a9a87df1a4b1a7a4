/** `oneiric supervisor-info`: the resolved configuration and who decided each value. */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ConfigResolver } from "../ConfigResolver.js"
import { ResolvedConfig } from "../Domain/Config.js"
import * as Shared from "./Options.js"
import { print } from "./Output.js"
import { withLayer } from "./Root.js"

export const supervisorInfoCommand = Command.make("supervisor-info", { json: Shared.json }, ({ json }) =>
  Effect.flatMap(ConfigResolver, (config) => print(json, ResolvedConfig, config.redacted(), describe)).pipe(withLayer(Layer.empty))
).pipe(Command.withDescription("Show the profile, the supervisor settings and who decided each, and the resolved paths"))

const describe = (c: ResolvedConfig): string => {
  const d = c.decisions
  const rows: ReadonlyArray<readonly [string, string]> = [
    ["profile", `${c.profile} (decided by ${c.profile_decided_by})`],
    ["supervisor_enabled", `${c.supervisor_enabled} (decided by ${c.decided_by})`],
    ["env_override", c.env_override ?? "-"],
    ["runtime_config", c.runtime_config === null ? "-" : `${c.runtime_config.sections.join(", ")}: enabled=${c.runtime_config.enabled ?? "-"} poll_interval_ms=${c.runtime_config.poll_interval_ms ?? "-"}`],
    ["poll_interval_ms", `${c.poll_interval_ms} (decided by ${d.poll_interval_ms})`],
    ["watchers_enabled", `${c.watchers_enabled} (decided by ${d.watchers_enabled})`],
    ["remote_enabled", `${c.remote_enabled} (decided by ${d.remote_enabled})`],
    ["inline_manifest_only", `${c.inline_manifest_only} (decided by ${d.inline_manifest_only})`],
    ["shutdown_timeout_ms", `${c.shutdown_timeout_ms} (decided by ${d.shutdown_timeout_ms})`],
    ["http", `${c.http.host}:${c.http.port}`],
    ["settings_file", c.paths.settings_file ?? "- (none found)"],
    ["cache_dir", c.paths.cache_dir],
    ["activity_store", `${c.paths.activity_store} (${c.store_kind})`],
    ["health_path", c.paths.health_path],
    ["secrets", c.secrets.required.length === 0 ? "none required" : c.secrets.status === "ready" ? `ready (${c.secrets.required.join(", ")})` : `missing: ${c.secrets.missing.join(", ")}`]
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")
}
