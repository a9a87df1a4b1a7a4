/**
 * `drain --wait`: follow the live instances' in-flight counts until they reach zero or the deadline.
 * Polling only: what each poll saw goes to `observe` (the progress display, `DrainProgress.ts`), so
 * what is waited for and how it is shown change independently.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { ActivityStore } from "../ActivityStore.js"
import type { Domain } from "../Domain/Domain.js"
import { DrainWait } from "../Domain/Drain.js"
import { inflightUnder } from "../Domain/Inflight.js"
import type { InflightView } from "../Domain/Inflight.js"

/** How often the instance table is read while waiting: the drain returns within this of the last completion's publish. */
const POLL_MS = 20

/** What one poll saw. */
export interface DrainObservation {
  readonly view: InflightView
  /** Live instances that have not applied the drain yet (they may still start work under the key). */
  readonly unacknowledged: number
  readonly waitedMs: number
  readonly timeoutMs: number
}

export interface WaitOptions {
  readonly domain: Domain
  readonly key: string
  /** The drain's change-feed position: an instance that has applied it refuses new work. */
  readonly seq: number
  readonly timeoutMs: number
  /** Called after every poll that does not end the wait. */
  readonly observe: (observation: DrainObservation) => Effect.Effect<void>
}

export const waitForDrain = (options: WaitOptions) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const start = DateTime.toEpochMillis(yield* DateTime.now)
    while (true) {
      const now = yield* DateTime.now
      const waitedMs = DateTime.toEpochMillis(now) - start
      const view = inflightUnder(yield* store.instances, options.domain, options.key, options.seq, now)
      const unacknowledged = view.instances.filter((i) => !i.acknowledged).length
      const done = view.total === 0 && unacknowledged === 0
      if (done || waitedMs >= options.timeoutMs) {
        return new DrainWait({ drained: done, remaining: view.total, waitedMs, timeoutMs: options.timeoutMs, instances: view.instances, stale: view.stale })
      }
      yield* options.observe({ view, unacknowledged, waitedMs, timeoutMs: options.timeoutMs })
      yield* Effect.sleep(POLL_MS)
    }
  })
