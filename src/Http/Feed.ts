/**
 * The console's feed: one hub per server that every `/events` connection reads. It follows the
 * supervisor's deltas (one subscription, whatever the number of pages open) and, while a page is
 * connected, what has no delta of its own: the store's instance table (in-flight counts of every
 * live process, fleet-wide with a shared store), this process's readiness and components, and the
 * newest history rows. A connection gets the current state first, then every change, numbered.
 *
 * A connection that falls behind the hub (its buffer slid) ends instead of going wrong: the page
 * reconnects and starts again from a fresh snapshot. A burst of row changes (a reload after the
 * feed was pruned, say) is sent as a fresh snapshot too: cheaper than thousands of deltas, and the
 * supervisor's own buffer may have slid under such a burst.
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ActivityQuery } from "../ActivityQuery.js"
import { ActivityStore } from "../ActivityStore.js"
import type { Transition } from "../Domain/Activity.js"
import { isWildcard } from "../Domain/ActivityKey.js"
import { Domain } from "../Domain/Domain.js"
import type { RuntimeHealthSnapshot } from "../Domain/Health.js"
import { isLive } from "../Domain/Instance.js"
import { byDomainThenKey } from "../Domain/Rules.js"
import type { ActivityDelta } from "../Domain/Supervision.js"
import { HealthSnapshot } from "../HealthSnapshot.js"
import { Instances } from "../Instances.js"
import { makeWakeup } from "../Internal/Wakeup.js"
import { Lifecycle } from "../Lifecycle.js"
import { Supervisor } from "../Supervisor.js"
import { readinessOf } from "./Probes.js"
import { ConsoleComponent, ConsoleHealth, ConsoleInstance, ConsoleSnapshot, HistoryEvent, InstancesEvent, RowChange, RowsEvent } from "./Wire.js"

/** How often instances and history are looked at while a page is connected (drain progress rides on it). */
const POLL_MS = 500
/** Readiness costs a whole health snapshot: at most this often, unless a component changed. */
const HEALTH_EVERY_MS = 2_000
/** A chunk of at least this many row deltas is sent as a fresh snapshot. */
const RESYNC_AT = 500
/** Hub messages a connection may be behind before it is ended (and the page resyncs). */
const HUB_CAPACITY = 1024
/** The newest transitions a page gets on connect, and the page keeps. */
export const HISTORY_KEPT = 500
/**
 * Keys in the snapshot event itself: its first pages, so the page paints them at once whatever the
 * number of keys (with every wildcard rule, which decides how they show). The rest follow in `rows`
 * events of `REPLAY_CHUNK` (cause `replay`), before any change.
 */
export const FIRST_ROWS = 200
export const REPLAY_CHUNK = 2_000

/** What a connection sends, each with its position in the hub (the SSE `id:`). */
export type ConsoleMessage =
  | { readonly _tag: "snapshot"; readonly id: number; readonly body: ConsoleSnapshot }
  | { readonly _tag: "rows"; readonly id: number; readonly body: RowsEvent }
  | { readonly _tag: "instances"; readonly id: number; readonly body: InstancesEvent }
  | { readonly _tag: "health"; readonly id: number; readonly body: ConsoleHealth }
  | { readonly _tag: "history"; readonly id: number; readonly body: HistoryEvent }

type HubEvent =
  | Exclude<ConsoleMessage, { readonly _tag: "snapshot" }>
  /** Too many changes at once: send every connection a fresh snapshot. */
  | { readonly _tag: "resync"; readonly id: number }

export interface Feed {
  /** Subscribes now; the stream starts with the current state. It ends when the connection fell behind or the server stops. */
  readonly connect: Effect.Effect<Stream.Stream<ConsoleMessage>, never, Scope.Scope>
}

const isDomain = Schema.is(Domain)
const encodeHealth = Schema.encodeSync(ConsoleHealth)

const healthOf = (snapshot: RuntimeHealthSnapshot): ConsoleHealth =>
  new ConsoleHealth({
    readiness: readinessOf(snapshot),
    components: Object.entries(snapshot.lifecycleState).flatMap(([domain, components]) =>
      isDomain(domain)
        ? Object.entries(components).map(([key, health]) =>
          new ConsoleComponent({ domain, key, state: health.state, hasCheck: health.hasCheck, lastError: health.lastError }))
        : []
    ),
    phase: snapshot.supervisor.phase,
    supervisorHealthy: snapshot.supervisor.healthy,
    supervisorError: snapshot.supervisor.lastError
  })

const rowChange = (delta: ActivityDelta) => new RowChange({ domain: delta.domain, key: delta.key, after: delta.after, cause: delta.cause }, true)

export const makeFeed = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  const store = yield* ActivityStore
  const query = yield* ActivityQuery
  const health = yield* HealthSnapshot
  const lifecycle = yield* Lifecycle
  const self = yield* Instances
  const hub = yield* PubSub.sliding<HubEvent>(HUB_CAPACITY)
  const wakeup = yield* makeWakeup
  const refreshing = yield* Effect.makeSemaphore(1)
  const stopped = yield* Deferred.make<void>()
  yield* Effect.addFinalizer(() => Deferred.succeed(stopped, undefined))

  let position = 0
  let connections = 0
  let instances: ReadonlyArray<ConsoleInstance> = []
  let instancesSeen = ""
  let currentHealth = healthOf(yield* health.current)
  let healthSeen = JSON.stringify(encodeHealth(currentHealth))
  let healthReadAt = yield* Clock.currentTimeMillis
  let healthWanted = false
  let history: ReadonlyArray<Transition> = []
  let historyStale = true

  // `PubSub.publish`, not `unsafeOffer`: on a full sliding hub only `publish` slides; `unsafeOffer`
  // drops the new message for every subscriber, the ones keeping up included.
  const publish = (event: (id: number) => HubEvent) =>
    Effect.suspend(() => {
      position++
      return PubSub.publish(hub, event(position))
    })

  const readInstances = Effect.gen(function*() {
    const now = yield* DateTime.now
    const reports = yield* store.instances
    const next = reports.map((r) =>
      new ConsoleInstance({ id: r.id, pid: r.pid, host: r.host, startedAt: r.startedAt, appliedSeq: r.appliedSeq, live: isLive(r, now), self: r.id === self.id, inflight: r.inflight })
    ).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    // Heartbeats alone change nothing a page shows: compare what it does show.
    const seen = JSON.stringify(next.map((i) => [i.id, i.live, i.appliedSeq, i.inflight.map((c) => [c.domain, c.key, c.count])]))
    if (seen === instancesSeen) return
    instancesSeen = seen
    instances = next
    yield* publish((id) => ({ _tag: "instances", id, body: new InstancesEvent({ now, instances: next }) }))
  })

  const readHealth = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (!healthWanted && now - healthReadAt < HEALTH_EVERY_MS) return
    healthWanted = false
    healthReadAt = now
    const next = healthOf(yield* health.current)
    const seen = JSON.stringify(encodeHealth(next))
    if (seen === healthSeen) return
    healthSeen = seen
    currentHealth = next
    yield* publish((id) => ({ _tag: "health", id, body: next }))
  })

  const readHistory = Effect.gen(function*() {
    if (!historyStale) return
    historyStale = false
    const newest = yield* query.history({ limit: HISTORY_KEPT }).pipe(Effect.tapError(() => Effect.sync(() => (historyStale = true))))
    const last = history.at(-1)?.seq ?? 0
    const added = newest.filter((t) => t.seq > last).reverse()
    if (added.length === 0) return
    history = [...history, ...added].slice(-HISTORY_KEPT)
    yield* publish((id) => ({ _tag: "history", id, body: new HistoryEvent({ transitions: added }) }))
  })

  /**
   * Brings instances, readiness and history up to date, publishing what changed. A store failure leaves
   * the last known state on the pages and is retried next round; it is logged when it starts and ends.
   */
  let failing = false
  const refresh = refreshing.withPermits(1)(Effect.gen(function*() {
    const failures = (yield* Effect.forEach([readHealth, readInstances, readHistory], Effect.exit)).filter(Exit.isFailure)
    const [first] = failures
    if (first !== undefined && !failing) yield* Effect.logWarning("Http.feed refresh failed; pages show the last known state", first.cause)
    if (first === undefined && failing) yield* Effect.logInfo("Http.feed refresh recovered")
    failing = first !== undefined
  }))

  /** The whole state as a snapshot event (its first rows) and the replay events that complete it. */
  const snapshot = (id: number) =>
    Effect.map(DateTime.now, (now): ReadonlyArray<ConsoleMessage> => {
      const rows = [...supervisor.snapshot()].sort(byDomainThenKey)
      const keys = rows.filter((row) => !isWildcard(row.key))
      const rest = keys.slice(FIRST_ROWS)
      const first = [...rows.filter((row) => isWildcard(row.key)), ...keys.slice(0, FIRST_ROWS)]
      const body = new ConsoleSnapshot({ store: store.describe, now, rows: first, pending: rest.length, instances, health: currentHealth, history }, true)
      const replay = Array.from({ length: Math.ceil(rest.length / REPLAY_CHUNK) }, (_, i): ConsoleMessage => ({
        _tag: "rows",
        id,
        body: new RowsEvent({
          changes: rest.slice(i * REPLAY_CHUNK, (i + 1) * REPLAY_CHUNK).map((row) => new RowChange({ domain: row.domain, key: row.key, after: row, cause: "replay" }, true))
        }, true)
      }))
      return [{ _tag: "snapshot", id, body }, ...replay]
    })

  const deltas = yield* supervisor.subscribe()
  yield* Effect.forkScoped(
    Stream.runForEachChunk(deltas, (chunk) => {
      // Every change is a transition somewhere (or an expiry): the history has news.
      historyStale = true
      wakeup.wake()
      return Chunk.size(chunk) >= RESYNC_AT
        ? publish((id) => ({ _tag: "resync", id }))
        : publish((id) => ({ _tag: "rows", id, body: new RowsEvent({ changes: Chunk.toReadonlyArray(chunk).map(rowChange) }, true) }))
    }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("Http.feed rows failed", cause)))
  )
  const components = yield* lifecycle.subscribe
  yield* Effect.forkScoped(
    Stream.runForEach(components, () =>
      Effect.sync(() => {
        healthWanted = true
        wakeup.wake()
      })).pipe(Effect.catchAllCause((cause) => Effect.logWarning("Http.feed components failed", cause)))
  )
  // A first reading, so the first page gets more than nothing; then only while someone is watching.
  yield* refresh
  yield* Effect.forkScoped(Effect.forever(Effect.zipRight(wakeup.sleep(POLL_MS), Effect.suspend(() => (connections > 0 ? refresh : Effect.void)))))

  const connect = Effect.gen(function*() {
    const subscription = yield* PubSub.subscribe(hub)
    // Everything published from here on is in the subscription; what came before is in the snapshot.
    const subscribedAt = position
    yield* Effect.acquireRelease(Effect.sync(() => connections++), () => Effect.sync(() => connections--))
    let expected = subscribedAt + 1
    const first = yield* snapshot(subscribedAt)
    const live = Stream.fromQueue(subscription).pipe(
      // Published between the subscription and the snapshot: already in it (every message is idempotent).
      Stream.filter((event) => event.id >= expected),
      // A gap means the subscription slid: end here, and the page resyncs.
      Stream.takeWhile((event) => {
        const inOrder = event.id === expected
        expected = event.id + 1
        return inOrder
      }),
      Stream.mapEffect((event): Effect.Effect<ReadonlyArray<ConsoleMessage>> => (event._tag === "resync" ? snapshot(event.id) : Effect.succeed([event]))),
      Stream.flattenIterables
    )
    // The snapshot goes out at once with instances and readiness as last read (the rows are always
    // current: they are the supervisor's). Once it is on its way the poller reads them again, and
    // what changed follows.
    const refreshNow = Stream.execute(Effect.sync(() => {
      healthWanted = true
      wakeup.wake()
    }))
    return Stream.fromIterable(first).pipe(Stream.concat(refreshNow), Stream.concat(live), Stream.interruptWhen(Deferred.await(stopped)))
  })

  return { connect } satisfies Feed
})
