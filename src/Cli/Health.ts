/** `oneiric health`: read the snapshot a running process writes; `--probe` turns the verdict into the exit code. */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as fs from "node:fs"
import * as path from "node:path"
import { formatMs } from "../Domain/Duration.js"
import { InvalidInput } from "../Domain/Errors.js"
import { HealthReport, NotReady } from "../Domain/Health.js"
import { describeStoreLink } from "../Domain/Readiness.js"
import type { RuntimeHealthSnapshot } from "../Domain/Health.js"
import { HealthProbe } from "../HealthProbe.js"
import * as Input from "./Input.js"
import * as Shared from "./Options.js"
import { print, printJson } from "./Output.js"
import { withLayer } from "./Root.js"
import { cell, table } from "./Table.js"

const options = {
  json: Shared.json,
  probe: Options.boolean("probe").pipe(
    Options.withDescription("Exec probe: exit 0 iff fresh, alive, healthy and ready; else exit 3 with the reasons")
  ),
  healthPath: Options.text("health-path").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription("The snapshot file (default: <cache-dir>/runtime_health.json)"),
    Options.optional
  ),
  maxAge: Options.text("max-age").pipe(
    Options.withPseudoName("DUR"),
    Options.withDescription("Oldest acceptable snapshot, e.g. 30s (default: 3 heartbeats of its writer, 15 s)"),
    Options.optional
  )
}

export const healthCommand = Command.make("health", options, (args) =>
  Effect.gen(function*() {
    const maxAgeMs = Option.isSome(args.maxAge) ? yield* Input.duration("--max-age", args.maxAge.value) : undefined
    const healthPath = yield* snapshotPath(args.healthPath)
    const report = yield* Effect.flatMap(HealthProbe, (probe) => probe.check({ maxAgeMs })).pipe(withLayer(HealthProbe.layer, { healthPath }))
    if (!args.probe) return yield* print(args.json, HealthReport, report, (r) => describe(r) + missingHint(r))
    if (args.json) yield* printJson(HealthReport, report)
    else if (report.ready) yield* Console.log(`ready (snapshot ${formatMs(report.ageMs ?? 0)} old)`)
    if (!report.ready) {
      return yield* new NotReady({ message: `not ready: ${report.reasons.join("; ")}`, reasons: report.reasons })
    }
  })).pipe(Command.withDescription("Show whether a running process is ready, and why not"))

const snapshotPath = (option: Option.Option<string>) => {
  if (Option.isNone(option)) return Effect.succeed(undefined)
  const raw = option.value.trim()
  return raw.length === 0
    ? Effect.fail(new InvalidInput({ message: "invalid --health-path: expected a file path" }))
    : Effect.succeed(path.resolve(raw))
}

const iso = (at: DateTime.Utc | null) => (at === null ? "-" : DateTime.formatIso(at).replace(/\.\d{3}Z$/, "Z"))
const onOff = (flag: boolean) => (flag ? "on" : "off")

/** No file where the configuration points: probably the wrong directory, so say how to point elsewhere. */
const missingHint = (report: HealthReport): string =>
  report.snapshot !== null || fs.existsSync(report.path)
    ? ""
    : "\nIs `oneiric run` running with this cache directory? Point at its snapshot with --health-path FILE, " +
      "or at its cache directory with --cache-dir DIR or ONEIRIC_CACHE_DIR=DIR."

const describe = (report: HealthReport): string => {
  const verdict = report.ready ? ["ready"] : ["not ready:", ...report.reasons.map((r) => `  - ${r}`)]
  const s = report.snapshot
  if (s === null) return verdict.join("\n")
  const head = report.format === "legacy" ? legacySummary(report, s) : summary(report, s)
  return [...verdict, "", head, "", activity(s), "", lifecycle(s)].join("\n")
}

const rowsText = (rows: ReadonlyArray<readonly [string, string]>) => {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n")
}

const age = (report: HealthReport) =>
  `${formatMs(report.ageMs ?? 0)} ago${report.maxAgeMs === null ? "" : `; max age ${formatMs(report.maxAgeMs)}`}`

/** What a snapshot by the Python original says: no supervisor, profile, secrets or instance in it. */
const legacySummary = (report: HealthReport, s: RuntimeHealthSnapshot): string =>
  rowsText([
    ["snapshot", `${report.path}, written by the Python original, updated ${iso(s.updatedAt)} (${age(report)})`],
    ["process", s.orchestratorPid === null ? "none recorded" : `pid ${s.orchestratorPid}${report.pidAlive === null ? "" : report.pidAlive ? " (alive)" : " (not running)"}`],
    ["watchers", onOff(s.watchersRunning)],
    ["remote", `${onOff(s.remoteEnabled)}${s.lastRemoteError === null ? "" : `; last error: ${s.lastRemoteError}`}`],
    ["not recorded", "supervisor, profile, secrets, instance and in-flight counts (the original does not write them)"]
  ])

const summary = (report: HealthReport, s: RuntimeHealthSnapshot): string => {
  const sup = s.supervisor
  const owner = s.orchestratorPid === null
    ? `stopped (was pid ${s.instance.pid} on ${s.instance.host})`
    : `pid ${s.orchestratorPid} on ${s.instance.host}${report.pidAlive === null ? "" : report.pidAlive ? " (alive)" : " (not running)"}`
  const secrets = s.secrets.required.length === 0
    ? "none required"
    : s.secrets.missing.length === 0 ? `ready (${s.secrets.required.join(", ")})` : `missing: ${s.secrets.missing.join(", ")}`
  const rows: ReadonlyArray<readonly [string, string]> = [
    ["snapshot", `${report.path}, updated ${iso(s.updatedAt)} (${age(report)})`],
    ["process", `${owner}; instance ${s.instance.id} since ${iso(s.instance.startedAt)}`],
    [
      "supervisor",
      !sup.enabled
        ? "disabled"
        : `enabled, ${sup.running ? "running" : "not running"}${sup.phase === "running" ? "" : ` (${sup.phase})`}, ` +
          `${sup.healthy ? "healthy" : "unhealthy"}; poll ${sup.pollIntervalMs} ms; ` +
          `watcher ${onOff(s.watchersRunning)}; last tick ${iso(sup.lastTickAt)}${sup.lastError === null ? "" : `; error: ${sup.lastError}`}`
    ],
    ...(sup.store === null ? [] : [["store", describeStoreLink(sup.store, sup.appliedSeq)] as const]),
    [
      "profile",
      `${s.profile.name} (supervisor ${onOff(s.profile.supervisorEnabled)}, watchers ${onOff(s.profile.watchersEnabled)}, ` +
      `remote ${onOff(s.profile.remoteEnabled)}, inline-manifest-only ${onOff(s.profile.inlineManifestOnly)})`
    ],
    ["secrets", secrets]
  ]
  return rowsText(rows)
}

const activity = (s: RuntimeHealthSnapshot): string => {
  const rows = Object.entries(s.activityState).flatMap(([domain, byKey]) =>
    Object.entries(byKey).map(([key, a]) => [domain, key, a.state, String(a.inflight), cell(a.note), iso(a.expiresAt)])
  )
  return rows.length === 0
    ? "activity: every key is accepting work"
    : `activity:\n${table(["DOMAIN", "KEY", "STATE", "INFLIGHT", "NOTE", "EXPIRES"], rows)}`
}

const lifecycle = (s: RuntimeHealthSnapshot): string => {
  // Counted here: with a shared store, last_remote_per_domain counts the store's keys instead.
  const counts = Object.entries(s.lifecycleState).map(([domain, byKey]) => `${domain} ${Object.keys(byKey).length}`).join(", ")
  const rows = Object.entries(s.lifecycleState).flatMap(([domain, byKey]) =>
    Object.entries(byKey).map(([key, c]) => [domain, key, c.state, c.hasCheck ? iso(c.lastHealthAt) : "(no check)", cell(c.lastError)])
  )
  return rows.length === 0
    ? "lifecycle: no components registered"
    : `lifecycle: ${rows.length} component(s): ${counts}\n${table(["DOMAIN", "KEY", "STATE", "LAST CHECK", "ERROR"], rows)}`
}
