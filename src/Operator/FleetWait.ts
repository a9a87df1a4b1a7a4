/**
 * Waiting for a change to take effect on every live instance sharing the store: the instance table
 * is read every `pollMs` (each instance publishes its applied feed position and in-flight counts at
 * once when a change reaches it) until every live one has applied the change — and, for a drain, has
 * nothing in flight under the key — or the deadline passes. A stream of progress, so the CLI and the
 * console render it each their own way.
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { StoreUnavailable } from "../Domain/Errors.js"
import { fleetWait } from "../Domain/Fleet.js"
import type { FleetTarget, FleetWait } from "../Domain/Fleet.js"
import type { ActivityStoreService } from "../Domain/Store.js"

/** How often the instance table is read while waiting: a wait returns within this of the last acknowledgement. */
export const DEFAULT_POLL_MS = 20

export interface FleetWaitOptions {
  /** Give up after this long (the last progress then has `complete: false`). */
  readonly timeoutMs: number
  readonly pollMs?: number | undefined
}

/** The progress, one element per look at the instance table; the last is complete or at the deadline. */
export const followFleet = (store: ActivityStoreService, target: FleetTarget, options: FleetWaitOptions): Stream.Stream<FleetWait, StoreUnavailable> =>
  Stream.unwrap(Effect.map(Clock.currentTimeMillis, (started) => {
    const look = Effect.gen(function*() {
      const reports = yield* store.instances
      const now = yield* DateTime.now
      const waitedMs = Math.min(Math.max(0, DateTime.toEpochMillis(now) - started), options.timeoutMs)
      return fleetWait(reports, target, now, { waitedMs, timeoutMs: options.timeoutMs })
    })
    const over = (progress: FleetWait) => progress.complete || progress.waitedMs >= options.timeoutMs
    return Stream.paginateEffect(undefined, () =>
      Effect.map(look, (progress) => [progress, over(progress) ? Option.none() : Option.some(undefined)] as const)
    ).pipe(Stream.tap((progress) => (over(progress) ? Effect.void : Effect.sleep(options.pollMs ?? DEFAULT_POLL_MS))))
  }))

/** How the wait ended. */
export const awaitFleet = (store: ActivityStoreService, target: FleetTarget, options: FleetWaitOptions): Effect.Effect<FleetWait, StoreUnavailable> =>
  Effect.flatMap(Stream.runLast(followFleet(store, target, options)), (last) =>
    // The stream always has a first element: a look at the instance table.
    Option.match(last, { onNone: () => Effect.dieMessage("the fleet wait ended without a look"), onSome: Effect.succeed }))
