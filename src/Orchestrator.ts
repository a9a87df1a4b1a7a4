/**
 * The process lifecycle of `oneiric run`: build the orchestrator's Layers (MainLive) plus the HTTP
 * server (probes, reads, console, write API) and the demo, serve until SIGTERM/SIGINT, then shut down within the budget and return what
 * had to be interrupted. Loaded only by `run`, so other commands start without the HTTP stack.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import { ConfigResolver } from "./ConfigResolver.js"
import { DemoLive } from "./Demo.js"
import { HealthSnapshot } from "./HealthSnapshot.js"
import { HttpLive } from "./Http.js"
import { Lifecycle } from "./Lifecycle.js"
import { OrchestratorFromConfig } from "./MainLive.js"
import { Metrics } from "./Metrics.js"
import { ProcessSignals } from "./ProcessSignals.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

export interface RunOptions {
  /** Add the sample workload. */
  readonly demo: boolean
}

/** How a run ended: how much work was interrupted at shutdown (still running when the budget was spent and cut, not finished). */
export interface RunOutcome {
  readonly interrupted: number
}

export const orchestrate = (options: RunOptions) =>
  // Only the wait for a signal is interruptible: the shutdown that follows always runs to the end.
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const config = yield* ConfigResolver
      const scope = yield* Scope.make()
      const served = Layer.mergeAll(HttpLive().pipe(Layer.provide(Metrics.layer)), options.demo ? DemoLive : Layer.empty)
      // Built interruptibly: fibers inherit the region they are forked in, and the layer's background
      // fibers must stay interruptible for the scope to close.
      const context = yield* restore(Layer.buildWithScope(Layer.provideMerge(served, OrchestratorFromConfig()), scope)).pipe(
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

      const signals = yield* ProcessSignals
      const signal = yield* Effect.exit(restore(signals.next))
      // The budget runs from the signal (as a platform's grace period does), not from after the final snapshot's write.
      const signalledAt = yield* Clock.currentTimeMillis

      yield* Effect.logInfo("run: stopping: readiness is off, new work is refused").pipe(
        Effect.annotateLogs({ signal: Exit.isSuccess(signal) ? signal.value : "interrupted", budget_ms: config.shutdownTimeoutMs })
      )
      yield* supervisor.beginShutdown
      yield* health.beginShutdown
      const spent = (yield* Clock.currentTimeMillis) - signalledAt
      // In a fiber of its own that is interruptible inside: the budget's timeout wins a race by interrupting the
      // wait, which an uninterruptible region would defer until the work ended (the budget would never cut
      // anything); joined from here, nothing from outside can cut the shutdown short.
      const waiting = yield* Effect.fork(Effect.interruptible(gate.awaitIdle(Math.max(0, config.shutdownTimeoutMs - spent))))
      const idle = yield* Fiber.join(waiting)
      if (!idle.drained) yield* Effect.logWarning("run: shutdown budget spent; interrupting work in flight").pipe(Effect.annotateLogs({ inflight: idle.remaining }))
      yield* Scope.close(scope, Exit.void)
      // What was really cut: work still running at the budget may yet finish while the layers close.
      const interrupted = gate.interruptedAtShutdown().reduce((n, c) => n + c.count, 0)
      yield* Effect.logInfo("run: stopped").pipe(Effect.annotateLogs({ interrupted }))
      return { interrupted } satisfies RunOutcome
    })
  )
