/**
 * The process lifecycle of `oneiric run` (moved from Orchestrator.ts, which keeps the Layers): build
 * `OrchestratorFromConfig` plus the HTTP server (and the demo), serve until a signal, then shut down
 * within the budget. Loaded only by `run`, so other commands start without the HTTP stack, and
 * outside the library's modules, so an embedding app never needs @effect/platform-node.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { DemoLive } from "../Demo.js"
import { HealthSnapshot } from "../HealthSnapshot.js"
import { HttpLive, readinessOf } from "../Http.js"
import { Lifecycle } from "../Lifecycle.js"
import { Metrics } from "../Metrics.js"
import { OrchestratorFromConfig } from "../Orchestrator.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"

/** How often the shutdown checks whether in-flight work has finished. */
const DRAIN_CHECK_MS = 20

export interface RunOptions {
  readonly host: string
  readonly port: number
  readonly demo: boolean
  readonly healthPath: string | undefined
  readonly healthHeartbeatMs: number | undefined
  readonly budgetMs: number
}

export const orchestrate = (options: RunOptions) =>
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
