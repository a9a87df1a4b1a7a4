/**
 * Operator: the changes an operator makes, for the CLI and the HTTP API alike — one transition (or
 * its preview) written through the store and reported with the key's effective state afterwards
 * and the stored keys it governs (`TransitionReport`, what `pause|drain|resume --json` prints) — and
 * the wait until it has taken effect on every live instance (`--wait`).
 */
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import { ActivityStore } from "./ActivityStore.js"
import type { ActivityEntry } from "./Domain/Activity.js"
import { covers, isWildcard } from "./Domain/ActivityKey.js"
import type { ActivityKey } from "./Domain/ActivityKey.js"
import type { StoreUnavailable } from "./Domain/Errors.js"
import type { FleetTarget, FleetWait } from "./Domain/Fleet.js"
import { TransitionReport } from "./Domain/Report.js"
import { effectiveState, keysToRead } from "./Domain/Rules.js"
import type { TransitionRequest } from "./Domain/Store.js"
import { awaitFleet, followFleet } from "./Operator/FleetWait.js"
import type { FleetWaitOptions } from "./Operator/FleetWait.js"

export type { FleetWaitOptions } from "./Operator/FleetWait.js"

export interface TransitionOptions {
  /** Report what would change and write nothing. */
  readonly dryRun?: boolean | undefined
}

export interface OperatorService {
  /** Apply (or preview) `request` and report the key's state afterwards. */
  readonly transition: (request: TransitionRequest, options?: TransitionOptions) => Effect.Effect<TransitionReport, StoreUnavailable>
  /**
   * The progress of a change across every live instance sharing the store, until each has applied it
   * (for a drain: and has nothing in flight under the key) or the deadline passes (the last element).
   */
  readonly follow: (target: FleetTarget, options: FleetWaitOptions) => Stream.Stream<FleetWait, StoreUnavailable>
  /** How such a wait ends. */
  readonly await: (target: FleetTarget, options: FleetWaitOptions) => Effect.Effect<FleetWait, StoreUnavailable>
}

/** The stored keys a row governs: itself, or for a wildcard every stored key it covers. */
const affectedKeys = (key: ActivityKey, rows: ReadonlyArray<ActivityEntry>) =>
  isWildcard(key) ? [key, ...rows.map((r) => r.key).filter((k) => k !== key && covers(key, k))] : [key]

const make = Effect.map(ActivityStore, (store): OperatorService => ({
  transition: Effect.fn("Operator.transition")(function*(request: TransitionRequest, options?: TransitionOptions) {
    const dryRun = options?.dryRun === true
    const result = dryRun ? yield* store.preview(request) : yield* store.transition(request)
    const { domain, key } = request
    // The rows that decide this key, with the transition's result standing in for its own row.
    const related = isWildcard(key)
      ? yield* store.list({ domain })
      : (yield* Effect.forEach(keysToRead(key), (k) => store.get(domain, k))).flatMap((row) => row ?? [])
    const rows = new Map<string, ActivityEntry>(related.map((row) => [row.key, row]))
    if (result.after === null) rows.delete(key)
    else rows.set(key, result.after)
    return new TransitionReport({
      action: request.action,
      domain,
      key,
      dryRun,
      changed: result.changed,
      store: store.describe,
      before: result.before,
      after: result.after,
      effective: effectiveState(domain, key, (k) => rows.get(k), yield* DateTime.now),
      affectedKeys: affectedKeys(key, related),
      transition: result.transition,
      expired: result.expired,
      seq: result.seq
    })
  }),
  follow: (target, options) => followFleet(store, target, options),
  await: (target, options) => awaitFleet(store, target, options)
}))

export class Operator extends Context.Tag("oneiric/Operator")<Operator, OperatorService>() {
  static layer: Layer.Layer<Operator, never, ActivityStore> = Layer.effect(Operator, make)
}
