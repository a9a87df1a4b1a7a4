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
import { InvalidInput, WorkInterrupted } from "../Domain/Errors.js"
import * as Input from "./Input.js"
import { configLayer } from "./Root.js"

const options = {
  healthPath: Options.text("health-path").pipe(
    Options.withPseudoName("FILE"),
    Options.withDescription("Where to write the health snapshot (default: <cache-dir>/runtime_health.json)"),
    Options.optional
  ),
  host: Options.text("host").pipe(
    Options.withPseudoName("HOST"),
    Options.withDescription("Address for the HTTP probes (default 127.0.0.1; 0.0.0.0 under serverless or with $PORT)"),
    Options.optional
  ),
  port: Options.integer("port").pipe(
    Options.withPseudoName("PORT"),
    Options.withDescription("Port for the HTTP probes (default 8787, or $PORT; 0 picks a free one)"),
    Options.optional
  ),
  demo: Options.boolean("demo").pipe(Options.withDescription("Add a sample workload: one summary line a second of what ran and what was refused")),
  healthInterval: Options.text("health-interval").pipe(
    Options.withPseudoName("DUR"),
    Options.withDescription("Rewrite the health snapshot this often when nothing changes (default 5s)"),
    Options.optional
  )
}

export const runCommand = Command.make("run", options, (args) =>
  Effect.gen(function*() {
    const healthPath = Option.map(args.healthPath, (p) => path.resolve(p))
    if (Option.isSome(healthPath) && healthPath.value.endsWith(path.sep)) return yield* new InvalidInput({ message: "invalid --health-path: a file path is needed" })
    const healthIntervalMs = Option.isSome(args.healthInterval) ? yield* Input.duration("--health-interval", args.healthInterval.value) : undefined
    const config = yield* configLayer({
      healthPath: Option.getOrUndefined(healthPath),
      httpHost: Option.getOrUndefined(args.host),
      httpPort: Option.getOrUndefined(args.port),
      healthIntervalMs
    })
    // Loaded on demand: the HTTP server, metrics and demo cost every other command start-up time.
    const { orchestrate } = yield* Effect.promise(() => import("../Orchestrator.js"))
    const outcome = yield* orchestrate({ demo: args.demo }).pipe(Effect.provide(config))
    if (outcome.interrupted > 0) {
      return yield* new WorkInterrupted({ message: `shutdown budget spent: ${outcome.interrupted} unit(s) of work still running were interrupted`, interrupted: outcome.interrupted })
    }
  })).pipe(Command.withDescription("Run the supervisor, health snapshot writer and HTTP probes"))
