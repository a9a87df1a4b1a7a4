/**
 * `oneiric run`: the orchestrator. Supervisor, gate, heartbeat, lifecycle registry, health snapshot
 * writer and the HTTP probes, built from the same Layers as everything else; `--demo` adds a sample
 * workload. SIGTERM/SIGINT: readiness flips at once, new work is refused, in-flight work gets the
 * shutdown budget, then the rest is interrupted and the final snapshot written; exit 0 when
 * everything finished, 1 when work had to be interrupted.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as path from "node:path"
import { ConfigResolver } from "../ConfigResolver.js"
import { DemoLive } from "../Demo.js"
import { InvalidInput } from "../Domain/Errors.js"
import { Lifecycle } from "../Lifecycle.js"
import { HealthSnapshot } from "../HealthSnapshot.js"
import { HttpLive, readinessOf } from "../Http.js"
import { OrchestratorFromConfig } from "../MainLive.js"
import { Metrics } from "../Metrics.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"
import * as Input from "./Input.js"

const options = {
  healthPath: Options.text("health-path").pipe(Options.withDescription("Where to write the health snapshot (default: <cache>/runtime_health.json)"), Options.optional),
  host: Options.text("host").pipe(Options.withDescription("Address for the HTTP probes (default 127.0.0.1; 0.0.0.0 under serverless or with $PORT)"), Options.optional),
  port: Options.integer("port").pipe(Options.withDescription("Port for the HTTP probes (default 8787; $PORT when set; 0 picks a free one)"), Options.optional),
  demo: Options.boolean("demo").pipe(Options.withDescription("Add a sample workload that logs accepted and refused work")),
  healthInterval: Options.text("health-interval").pipe(Options.withDescription("How often the health snapshot is rewritten when nothing changes (default 5s)"), Options.optional)
}

/** How often the shutdown checks whether in-flight work has finished. */
const DRAIN_CHECK_MS = 20

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
    return yield* orchestrate({ host, port, demo: args.demo, healthPath: Option.getOrUndefined(healthPath), healthHeartbeatMs, budgetMs: config.shutdown_timeout_ms })
  })).pipe(Command.withDescription("Run the supervisor, the health snapshot writer and the HTTP probes (--demo: with a sample workload)"))

interface RunOptions {
  readonly host: string
  readonly port: number
  readonly demo: boolean
  readonly healthPath: string | undefined
  readonly healthHeartbeatMs: number | undefined
  readonly budgetMs: number
}

const orchestrate = (options: RunOptions) =>
  // Only the wait for a signal is interruptible: the shutdown that follows always runs to the end.
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const core = OrchestratorFromConfig({ healthPath: options.healthPath, healthHeartbeatMs: options.healthHeartbeatMs })
      const served = Layer.mergeAll(
        Layer.unwrapEffect(Effect.map(HealthSnapshot, (health) =>
          HttpLive({ host: options.host, port: options.port, readiness: Effect.map(health.current, readinessOf) }))).pipe(Layer.provide(Metrics.layer)),
        options.demo ? DemoLive : Layer.empty
      )
      // Built interruptibly: fibers inherit the region they are forked in, and the layer's background
      // fibers must stay interruptible for the scope to close.
      const context = yield* restore(Layer.buildWithScope(Layer.provideMerge(served, core), scope)).pipe(
        Effect.onError(() => Scope.close(scope, Exit.void))
      )
      const supervisor = Context.get(context, Supervisor)
      const gate = Context.get(context, WorkGate)
      const health = Context.get(context, HealthSnapshot)
      const lifecycle = Context.get(context, Lifecycle)
      yield* Effect.logInfo("run: started").pipe(Effect.annotateLogs({ health: health.location, demo: options.demo, pid: process.pid }))
      // SIGHUP (systemd's ExecReload): re-read the store, re-run the health checks, rewrite the snapshot now.
      const reload = Effect.all([supervisor.refresh, lifecycle.checkNow, health.writeNow], { discard: true }).pipe(
        Effect.zipRight(Effect.logInfo("run: reloaded")),
        Effect.catchAllCause((cause) => Effect.logWarning("run: reload failed", cause))
      )
      const hangups = yield* Queue.sliding<void>(1)
      const onHangup = () => void hangups.unsafeOffer(undefined)
      process.on("SIGHUP", onHangup)
      yield* Scope.addFinalizer(scope, Effect.sync(() => process.off("SIGHUP", onHangup)))
      yield* Effect.forkIn(Effect.interruptible(Effect.forever(Effect.zipRight(Queue.take(hangups), reload))), scope)

      yield* Effect.exit(restore(Effect.never))

      yield* Effect.logInfo("run: stopping: readiness is off, new work is refused").pipe(Effect.annotateLogs({ budget_ms: options.budgetMs }))
      yield* supervisor.beginShutdown
      yield* health.beginShutdown
      const finished = yield* waitForIdle(gate, options.budgetMs)
      const left = gate.inflightAll().reduce((n, c) => n + c.count, 0)
      if (!finished) yield* Effect.logWarning("run: shutdown budget spent; interrupting work in flight").pipe(Effect.annotateLogs({ inflight: left }))
      yield* Scope.close(scope, Exit.void)
      yield* Effect.logInfo("run: stopped").pipe(Effect.annotateLogs({ interrupted: left }))
      // The signal interrupted this fiber, so the exit code cannot travel as a value: bin.ts reads it here.
      process.exitCode = finished ? 0 : 1
    })
  )

const waitForIdle = (gate: WorkGate["Type"], budgetMs: number) =>
  Effect.gen(function*() {
    const deadline = Date.now() + budgetMs
    while (gate.inflightAll().length > 0) {
      if (Date.now() >= deadline) return false
      yield* Effect.sleep(Math.min(DRAIN_CHECK_MS, Math.max(1, deadline - Date.now())))
    }
    return true
  })
