/**
 * Adapters, services and tasks: `use` runs work under a unit's key through the WorkGate (DESIGN §4).
 * Also the waiting helpers the event and workflow bridges share: wait for a refused key to reopen
 * by following the supervisor's deltas, never by polling.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Domain } from "../Domain/Domain.js"
import type { WorkRejected } from "../Domain/Supervision.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"

/** The domains `use` gates; events and workflows have their own bridges. */
export const UnitDomain = Schema.Literal("adapter", "service", "task")
export type UnitDomain = typeof UnitDomain.Type

/** Run `effect` under `(domain, key)`: refused with `WorkRejected`, else counted in flight while it runs. */
export const use = <A, E, R>(domain: UnitDomain, key: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WorkRejected, R | WorkGate> =>
  Effect.flatMap(WorkGate, (gate) => gate.run(domain, key, effect))

/** `use` for `pipe`: `effect.pipe(withUnit("adapter", "smtp"))`. */
export const withUnit = (domain: UnitDomain, key: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | WorkRejected, R | WorkGate> => use(domain, key, effect)

/**
 * Wait until `(domain, key)` accepts work, at most `timeoutMs`; `true` when it does. Subscribes
 * before it looks, so a resume between the look and the wait is never missed. Waits for the
 * initial load first: an empty store loads without a single delta.
 */
export const awaitAccepting = (domain: Domain, key: string, timeoutMs: number): Effect.Effect<boolean, never, Supervisor> =>
  Effect.flatMap(Supervisor, (supervisor) => {
    const open = () => supervisor.shouldAcceptWork(domain, key)
    if (timeoutMs <= 0) return Effect.sync(open)
    const wait = Effect.gen(function*() {
      yield* supervisor.awaitReady
      const deltas = yield* supervisor.subscribe({ domain })
      if (open()) return
      // Any delta in the domain may change the answer (wildcard rules), so look again after each.
      yield* Stream.runDrain(Stream.takeUntil(deltas, open))
    }).pipe(Effect.scoped)
    return Effect.timeoutTo(wait, { duration: timeoutMs, onSuccess: () => true, onTimeout: open })
  })

/** How a gated attempt ended once any waiting was over. */
export type Gated<A> =
  | { readonly _tag: "Ran"; readonly value: A; readonly waited: boolean; readonly waitedMs: number }
  | { readonly _tag: "Refused"; readonly refusal: WorkRejected; readonly timedOut: boolean; readonly waitedMs: number }

/**
 * Try `attempt` (work behind one or more gates); on a refusal wait for the refusing key to reopen
 * and try again, until `waitMs` has passed since the first try. `waitMs: null` never waits.
 * Retrying the gate (not just the look) keeps the check-and-count atomic after a resume.
 */
export const runWhenOpen = <A, R>(attempt: Effect.Effect<A, WorkRejected, R>, waitMs: number | null): Effect.Effect<Gated<A>, never, R | Supervisor> =>
  Effect.gen(function*() {
    const started = yield* Clock.currentTimeMillis
    let waited = false
    while (true) {
      const triedAt = yield* Clock.currentTimeMillis
      const result = yield* Effect.either(attempt)
      // Waiting ends when the last try began: the work's own run time is not waiting.
      if (Either.isRight(result)) return { _tag: "Ran", value: result.right, waited, waitedMs: triedAt - started } as const
      const now = yield* Clock.currentTimeMillis
      if (waitMs === null) return { _tag: "Refused", refusal: result.left, timedOut: false, waitedMs: 0 } as const
      const remaining = started + waitMs - now
      const reopened = remaining > 0 && (yield* awaitAccepting(result.left.domain, result.left.key, remaining))
      if (!reopened) {
        const end = yield* Clock.currentTimeMillis
        return { _tag: "Refused", refusal: result.left, timedOut: true, waitedMs: end - started } as const
      }
      waited = true
    }
  })
