/** The lifecycle registry's implementation: a map of components and a scoped fiber that checks them. */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Stream from "effect/Stream"
import { causeMessage, InvalidInput } from "../Domain/Errors.js"
import { ComponentHealth, DuplicateComponent } from "../Domain/Health.js"
import type { ComponentState } from "../Domain/Health.js"
import type {
  CheckOutcome, ComponentSpec, LifecycleEvent, LifecycleOptions, LifecycleService, RegisteredComponent
} from "../Domain/Lifecycle.js"
import { rowId } from "../Domain/Rules.js"
import { makeWakeup } from "../Internal/Wakeup.js"

const DEFAULT_CHECK_INTERVAL_MS = 5_000
const DEFAULT_CHECK_TIMEOUT_MS = 2_000

interface Entry {
  readonly domain: ComponentSpec["domain"]
  readonly key: string
  readonly check: Effect.Effect<CheckOutcome, unknown> | undefined
  health: ComponentHealth
}

interface Result {
  readonly state: ComponentState
  readonly error: string | null
}

const validMs = (ms: number) => Number.isFinite(ms) && ms > 0

export const makeRegistry = (options: LifecycleOptions) =>
  Effect.gen(function*() {
    const intervalMs = options.intervalMs ?? DEFAULT_CHECK_INTERVAL_MS
    const defaultTimeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS
    if (!validMs(intervalMs) || !validMs(defaultTimeoutMs)) {
      return yield* Effect.dieMessage(`Lifecycle.layer: intervalMs and timeoutMs must be positive (got ${intervalMs}, ${defaultTimeoutMs})`)
    }
    const clock = yield* Effect.clock
    const entries = new Map<string, Entry>()
    const events = yield* PubSub.sliding<LifecycleEvent>(1024)
    // A new component should not wait a whole interval for its first check.
    const wakeup = yield* makeWakeup

    const publish = (entry: Entry, health: ComponentHealth | null) =>
      events.unsafeOffer({ domain: entry.domain, key: entry.key, health })

    const runCheck = (entry: Entry) =>
      Effect.gen(function*() {
        if (entry.check === undefined) return
        const timeoutMs = entry.health.timeoutMs
        const started = clock.unsafeCurrentTimeMillis()
        const result = yield* entry.check.pipe(
          // A check that ignores interruption must not hold up the round past its timeout.
          Effect.disconnect,
          Effect.timeoutTo({
            duration: timeoutMs,
            onTimeout: (): Result => ({ state: "failed", error: `timed out after ${timeoutMs} ms` }),
            onSuccess: (outcome): Result => ({ state: outcome === "degraded" ? "degraded" : "ready", error: null })
          }),
          Effect.catchAllCause((cause) => Effect.succeed<Result>({ state: "failed", error: causeMessage(cause) }))
        )
        const ended = clock.unsafeCurrentTimeMillis()
        // Unregistered (or replaced) while the check ran: the result belongs to nobody.
        if (entries.get(rowId(entry.domain, entry.key)) !== entry) return
        const before = entry.health.state
        entry.health = new ComponentHealth({
          ...entry.health,
          state: result.state,
          lastHealthAt: DateTime.unsafeMake(ended),
          lastError: result.error,
          lastDurationMs: ended - started
        })
        if (before !== result.state) {
          publish(entry, entry.health)
          yield* Effect.logInfo(`Lifecycle: ${entry.domain}/${entry.key} is ${result.state}`).pipe(
            Effect.annotateLogs({ error: result.error ?? "" })
          )
        }
      })

    const checkNow = Effect.suspend(() => Effect.forEach([...entries.values()], runCheck, { concurrency: "unbounded", discard: true }))

    const register = (spec: ComponentSpec) =>
      Effect.suspend<Effect.Effect<void>, DuplicateComponent | InvalidInput, never>(() => {
        const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs
        if (spec.key.length === 0) return Effect.fail(new InvalidInput({ message: "a component needs a non-empty key" }))
        if (!validMs(timeoutMs)) {
          return Effect.fail(new InvalidInput({ message: `component ${spec.domain}/${spec.key}: timeoutMs must be positive (got ${timeoutMs})` }))
        }
        const id = rowId(spec.domain, spec.key)
        if (entries.has(id)) return Effect.fail(new DuplicateComponent({ domain: spec.domain, key: spec.key }))
        const entry: Entry = {
          domain: spec.domain,
          key: spec.key,
          check: spec.check,
          health: new ComponentHealth({
            state: "ready",
            hasCheck: spec.check !== undefined,
            timeoutMs: timeoutMs,
            registeredAt: DateTime.unsafeMake(clock.unsafeCurrentTimeMillis()),
            lastHealthAt: null,
            lastError: null,
            lastDurationMs: null
          })
        }
        entries.set(id, entry)
        publish(entry, entry.health)
        if (entry.check !== undefined) wakeup.wake()
        const unregister = Effect.sync(() => {
          if (entries.get(id) !== entry) return
          entries.delete(id)
          publish(entry, null)
        })
        return Effect.succeed(unregister)
      })

    const components = Effect.sync((): ReadonlyArray<RegisteredComponent> =>
      [...entries.values()]
        .map((e) => ({ domain: e.domain, key: e.key, health: e.health }))
        .sort((a, b) => (a.domain === b.domain ? compare(a.key, b.key) : compare(a.domain, b.domain)))
    )

    const counts = Effect.sync(() => {
      const byDomain: Record<string, number> = {}
      for (const e of entries.values()) byDomain[e.domain] = (byDomain[e.domain] ?? 0) + 1
      return byDomain
    })

    // The loop survives anything a round throws: a broken registry would hide every component's health.
    const round = checkNow.pipe(Effect.catchAllCause((cause) => Effect.logWarning("Lifecycle.check round failed", cause)))
    // Waits first: a registration wakes it, so an empty registry never runs a round.
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(wakeup.sleep(intervalMs), round)))

    const service: LifecycleService = {
      register,
      registerScoped: (spec) => Effect.asVoid(Effect.acquireRelease(register(spec), (unregister) => unregister)),
      components,
      counts,
      checkNow,
      subscribe: Effect.map(PubSub.subscribe(events), (subscription) => Stream.fromQueue(subscription))
    }
    return service
  })

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
