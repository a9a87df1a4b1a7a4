/**
 * `oneiric run`: the orchestrator. Supervisor, gate, heartbeat, lifecycle registry, health snapshot
 * writer and the HTTP probes, built from the same Layers as everything else; `--demo` adds a sample
 * workload. SIGTERM/SIGINT: readiness flips at once, new work is refused, in-flight work gets the
 * shutdown budget, then the rest is interrupted and the final snapshot written; exit 0 when
 * everything finished, 1 when work had to be interrupted.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as path from "node:path"
import { ConfigResolver } from "../ConfigResolver.js"
import { InvalidInput } from "../Domain/Errors.js"
import * as Input from "./Input.js"

const options = {
  healthPath: Options.text("health-path").pipe(Options.withDescription("Where to write the health snapshot (default: <cache>/runtime_health.json)"), Options.optional),
  host: Options.text("host").pipe(Options.withDescription("Address for the HTTP probes (default 127.0.0.1; 0.0.0.0 under serverless or with $PORT)"), Options.optional),
  port: Options.integer("port").pipe(Options.withDescription("Port for the HTTP probes (default 8787; $PORT when set; 0 picks a free one)"), Options.optional),
  demo: Options.boolean("demo").pipe(Options.withDescription("Add a sample workload that logs accepted and refused work")),
  healthInterval: Options.text("health-interval").pipe(Options.withDescription("How often the health snapshot is rewritten when nothing changes (default 5s)"), Options.optional)
}

export const runCommand = Command.make("run", options, (args) =>
  Effect.gen(function*() {
    const config = yield* ConfigResolver
    const host = Option.getOrElse(args.host, () => config.http.host).trim()
    const port = Option.getOrElse(args.port, () => config.http.port)
    if (host === "") return yield* new InvalidInput({ message: "invalid --host: empty" })
    if (!Number.isInteger(port) || port < 0 || port > 65_535) return yield* new InvalidInput({ message: `invalid --port ${port}: expected 0 to 65535` })
    const healthPath = Option.map(args.healthPath, (p) => path.resolve(p))
    if (Option.isSome(healthPath) && healthPath.value.endsWith(path.sep)) return yield* new InvalidInput({ message: "invalid --health-path: a file path is needed" })
    const healthHeartbeatMs = Option.isSome(args.healthInterval) ? yield* Input.duration("--health-interval", args.healthInterval.value) : undefined
    const options = { host, port, demo: args.demo, healthPath: Option.getOrUndefined(healthPath), healthHeartbeatMs, budgetMs: config.shutdown_timeout_ms }
    // Loaded on demand: the HTTP server, metrics and demo cost every other command start-up time.
    const { orchestrate } = yield* Effect.promise(() => import("./Orchestrate.js"))
    return yield* orchestrate(options)
  })).pipe(Command.withDescription("Run the supervisor, the health snapshot writer and the HTTP probes (--demo: with a sample workload)"))

