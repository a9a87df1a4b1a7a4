/**
 * ProcessSignals: SIGTERM and SIGINT as values. The bin's runMain hands a signal to a fiber waiting
 * in `next` (`oneiric run` does, to shut down gracefully and return its outcome as a value); with
 * nobody waiting it interrupts the program, as an operator pressing Ctrl-C expects.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export type ShutdownSignal = "SIGTERM" | "SIGINT"

export interface ProcessSignalsService {
  /** The next SIGTERM or SIGINT; while a fiber waits here, a signal does not interrupt the program. */
  readonly next: Effect.Effect<ShutdownSignal>
}

/** The service and the handle the process's signal listener delivers through. */
export interface SignalHub {
  readonly service: ProcessSignalsService
  /** Hands `signal` to the fibers waiting in `next`; `false` when none waits. */
  readonly deliver: (signal: ShutdownSignal) => boolean
}

export const makeSignalHub = (): SignalHub => {
  const waiting = new Set<(signal: ShutdownSignal) => void>()
  return {
    service: {
      next: Effect.async<ShutdownSignal>((resume) => {
        const wake = (signal: ShutdownSignal) => resume(Effect.succeed(signal))
        waiting.add(wake)
        return Effect.sync(() => void waiting.delete(wake))
      })
    },
    deliver: (signal) => {
      if (waiting.size === 0) return false
      const wakes = [...waiting]
      waiting.clear()
      for (const wake of wakes) wake(signal)
      return true
    }
  }
}

export class ProcessSignals extends Context.Tag("oneiric/ProcessSignals")<ProcessSignals, ProcessSignalsService>() {
  static layer = (hub: SignalHub): Layer.Layer<ProcessSignals> => Layer.succeed(ProcessSignals, hub.service)
}
