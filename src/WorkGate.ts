/**
 * WorkGate: runs work under a `(domain, key)` only when the supervisor says the key accepts work,
 * and counts it while it runs, so a drain can wait for it (DESIGN §4).
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityKey, covers, isWildcard } from "./Domain/ActivityKey.js"
import type { Domain } from "./Domain/Domain.js"
import { InflightCount } from "./Domain/Instance.js"
import { rowId } from "./Domain/Rules.js"
import { recordGatedWork, recordRejection } from "./Internal/Instruments.js"
import type { WorkRejected } from "./Domain/Supervision.js"
import { Supervisor } from "./Supervisor.js"

export interface DrainOutcome {
  readonly drained: boolean
  /** Work still in flight under the key (or every key a wildcard covers) when the wait ended. */
  readonly remaining: number
}

export interface WorkGateService {
  /**
   * Run `effect` if `(domain, key)` accepts work, else fail with `WorkRejected`. The check and the
   * in-flight increment are one step: once a pause is applied no new work starts. The count drops
   * when the work ends, however it ends.
   */
  readonly run: <A, E, R>(domain: Domain, key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | WorkRejected, R>
  /** Work running under the key, or under every key a wildcard (`*`, `prefix.*`) covers. */
  readonly inflight: (domain: Domain, key: string) => number
  /** Every non-zero count. */
  readonly inflightAll: () => ReadonlyArray<InflightCount>
  /**
   * Work interrupted after the supervisor began shutting down (the shutdown budget spent), per key: what
   * this instance's final report records, so `drain --wait` can say the work was cut rather than finished.
   */
  readonly interruptedAtShutdown: () => ReadonlyArray<InflightCount>
  /** For running work: is its key draining now (so it should wrap up)? */
  readonly isDraining: (domain: Domain, key: string) => boolean
  /** Wait until nothing runs under the key, at most `timeoutMs`. */
  readonly awaitDrained: (domain: Domain, key: string, timeoutMs: number) => Effect.Effect<DrainOutcome>
  /** Wait until nothing runs under any key, at most `timeoutMs` (the shutdown budget). */
  readonly awaitIdle: (timeoutMs: number) => Effect.Effect<DrainOutcome>
  /** Called whenever a key's count drops to zero (the instance publisher listens). */
  readonly onIdle: (listener: (domain: Domain, key: string) => void) => () => void
}

export class WorkGate extends Context.Tag("oneiric/WorkGate")<WorkGate, WorkGateService>() {
  static layer: Layer.Layer<WorkGate, never, Supervisor> = Layer.effect(WorkGate, Effect.map(Supervisor, (supervisor) => makeWorkGate(supervisor)))
}

interface Counter {
  readonly domain: Domain
  readonly key: string
  n: number
}

const makeWorkGate = (supervisor: Supervisor["Type"]): WorkGateService => {
  const counts = new Map<string, Counter>()
  const interrupted = new Map<string, Counter>()
  const listeners = new Set<(domain: Domain, key: string) => void>()

  const refuse = (refused: WorkRejected) => {
    recordRejection(refused.domain, refused.state)
    return Effect.fail(refused)
  }

  const release = (id: string, counter: Counter, started: number) => {
    recordGatedWork(counter.domain, (performance.now() - started) / 1000)
    if (--counter.n > 0) return
    counts.delete(id)
    for (const listener of listeners) listener(counter.domain, counter.key)
  }

  // One mask for check + increment + the release on every exit: `Effect.ensuring` would add a
  // second mask and an `Effect.sync`, about 1 µs more per run.
  const run = <A, E, R>(domain: Domain, key: string, effect: Effect.Effect<A, E, R>) =>
    Effect.uninterruptibleMask<A, E | WorkRejected, R>((restore) => {
      if (!supervisor.shouldAcceptWork(domain, key)) {
        const refused = supervisor.refusal(domain, key)
        if (refused !== null) return refuse(refused)
      }
      const id = rowId(domain, key)
      let counter = counts.get(id)
      if (counter === undefined) counts.set(id, (counter = { domain, key, n: 0 }))
      counter.n++
      const started = performance.now()
      return Effect.matchCauseEffect(restore(effect), {
        onFailure: (cause) => {
          if (Cause.isInterrupted(cause) && supervisor.refusal(domain, key)?.state === "shutting-down") {
            const cut = interrupted.get(id)
            if (cut === undefined) interrupted.set(id, { domain, key, n: 1 })
            else cut.n++
          }
          release(id, counter, started)
          return Effect.failCause(cause)
        },
        onSuccess: (value) => {
          release(id, counter, started)
          return Effect.succeed(value)
        }
      })
    })

  const inflight = (domain: Domain, key: string) => {
    if (!isWildcard(key)) return counts.get(rowId(domain, key))?.n ?? 0
    let total = 0
    for (const counter of counts.values()) if (counter.domain === domain && covers(key, counter.key)) total += counter.n
    return total
  }

  const onIdle = (listener: (domain: Domain, key: string) => void) => {
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }

  const total = () => {
    let n = 0
    for (const counter of counts.values()) n += counter.n
    return n
  }

  /** Resolves when `remaining()` reaches zero (checked whenever a key goes idle), or at the timeout (the Clock's). */
  const awaitZero = (remaining: () => number, timeoutMs: number) =>
    Effect.async<DrainOutcome>((resume) => {
      if (remaining() === 0) return resume(Effect.succeed({ drained: true, remaining: 0 }))
      const stop = onIdle(() => {
        if (remaining() === 0) {
          stop()
          resume(Effect.succeed({ drained: true, remaining: 0 }))
        }
      })
      return Effect.sync(stop)
    }).pipe(
      Effect.timeoutTo({
        duration: timeoutMs,
        onSuccess: (outcome) => outcome,
        onTimeout: () => ({ drained: false, remaining: remaining() })
      })
    )

  const listed = (counters: Map<string, Counter>) =>
    [...counters.values()].map((c) => new InflightCount({ domain: c.domain, key: ActivityKey.make(c.key, { disableValidation: true }), count: c.n }, true))

  return {
    run,
    inflight,
    inflightAll: () => listed(counts),
    interruptedAtShutdown: () => listed(interrupted),
    isDraining: (domain, key) => supervisor.isDraining(domain, key),
    awaitDrained: (domain, key, timeoutMs) => awaitZero(() => inflight(domain, key), timeoutMs),
    awaitIdle: (timeoutMs) => awaitZero(total, timeoutMs),
    onIdle
  }
}
