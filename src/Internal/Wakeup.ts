/**
 * The sleep-or-wake of every background loop (supervisor, heartbeat, health writer, lifecycle
 * checks): sleep for an interval unless woken first. Wakes that arrive before the loop looks are
 * coalesced into one, so a burst of changes costs one round, and none is lost.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"

export interface Wakeup {
  /** Wake the loop now (safe from any callback: a file watcher, a listener). */
  readonly wake: () => void
  /** Sleep `ms` (the Clock's, so `TestClock` drives it), or until woken; a wake given earlier ends it at once. */
  readonly sleep: (ms: number) => Effect.Effect<void>
  /** Run `wait` (a sleep of some kind), or stop it when woken. */
  readonly until: <E>(wait: Effect.Effect<unknown, E>) => Effect.Effect<void, E>
}

export const makeWakeup: Effect.Effect<Wakeup> = Effect.map(Queue.sliding<void>(1), (pending) => {
  const until = <E>(wait: Effect.Effect<unknown, E>) => Effect.asVoid(Effect.race(wait, Queue.take(pending)))
  return {
    wake: () => void pending.unsafeOffer(undefined),
    until,
    sleep: (ms) => until(Effect.sleep(ms))
  }
})
