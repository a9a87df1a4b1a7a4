/**
 * The supervisor's implementation: load the whole state, then follow the store's change feed from a
 * scoped fiber (woken by the poll interval, a file watcher, or the next expiry), keep the effective
 * state in an ActivityIndex and broadcast each change.
 */
import type * as Cause from "effect/Cause"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as PubSub from "effect/PubSub"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { ActivityStore } from "../ActivityStore.js"
import { rowId } from "../Domain/Rules.js"
import { ConfigResolver } from "../ConfigResolver.js"
import type { ActivityEntry } from "../Domain/Activity.js"
import type { ActivityKey } from "../Domain/ActivityKey.js"
import type { Domain } from "../Domain/Domain.js"
import { causeMessage } from "../Domain/Errors.js"
import type { ChangeBatch, StoreSignal, TransitionRequest } from "../Domain/Store.js"
import { ActivityDelta, SupervisorStatus, WorkRejected } from "../Domain/Supervision.js"
import type { ChangeOptions, SupervisorPhase, SupervisorService } from "../Domain/Supervision.js"
import * as Instruments from "../Internal/Instruments.js"
import { makeWakeup } from "../Internal/Wakeup.js"
import { ActivityIndex } from "./ActivityIndex.js"
import { Problems } from "./Problems.js"
import { HeldRows, logReplacement } from "./Replacement.js"
import { StoreLinkState } from "./StoreLink.js"
import { watchStoreFile } from "./Watch.js"

/** The longest wait between two tries while the store is failing. */
const MAX_BACKOFF_MS = 5_000

/** The wait after each failed tick in a row: twice the poll interval, doubling, at most 5 s. */
const backoffSchedule = (pollMs: number) => Schedule.exponential(pollMs * 2).pipe(Schedule.union(Schedule.spaced(MAX_BACKOFF_MS)))

export const makeSupervisor = Effect.gen(function*() {
  const store = yield* ActivityStore
  const config = yield* ConfigResolver
  const clock = yield* Effect.clock
  const enabled = config.supervisorEnabled
  const pollMs = config.pollIntervalMs
  const index = new ActivityIndex()
  const deltas = yield* PubSub.sliding<ActivityDelta>(4096)
  const wakeup = yield* makeWakeup
  const backoff = yield* Schedule.driver(backoffSchedule(pollMs))
  const ready = yield* Deferred.make<void>()
  // A tick and a change applied straight from a push never interleave: each reads and moves the applied position.
  const lock = yield* Effect.makeSemaphore(1)

  let phase: SupervisorPhase = enabled ? "starting" : "running"
  let appliedSeq = 0
  const appliedListeners = new Set<(seq: number) => void>()
  const advance = (seq: number) => {
    if (seq === appliedSeq) return
    appliedSeq = seq
    for (const listener of appliedListeners) listener(seq)
  }
  let token: string | null = null
  let healthy = true
  let lastError: string | null = null
  let lastTickAt: number | null = null
  let lastTickMs = 0
  let ticks = 0
  let lastGoodAt: number | null = null
  let failures = 0
  let watching = false
  const link = new StoreLinkState(store, config.sharedStoreOutage)
  // A shared store's outage does not count against `healthy` under `stay-ready`.
  const isHealthy = (): boolean => (healthy || (link.outageExcused && phase === "running")) && problems.counted(link.outageExcused).length === 0
  const problems = new Problems(isHealthy)
  const held = new HeldRows()
  const HELD = "store replaced"

  const now = () => DateTime.unsafeMake(clock.unsafeCurrentTimeMillis())

  // A subscriber that falls 4096 deltas behind loses the oldest, never the newest: `unsafeOffer` on a full
  // sliding PubSub refuses the new value, so only then go through `publish`, which slides.
  const publishDelta = (delta: ActivityDelta) => {
    if (!deltas.unsafeOffer(delta)) Effect.runSync(PubSub.publish(deltas, delta))
  }

  const apply = (domain: Domain, key: ActivityKey, after: ActivityEntry | null, cause: ActivityDelta["cause"]) => {
    const before = index.set(domain, key, after)
    // Built from values already checked: validating each delta would dominate a 100k-row load.
    if (Equal.equals(before, after)) return
    publishDelta(new ActivityDelta({ domain, key, before, after, cause }, true))
    if (cause === "replay") return
    Instruments.recordTransition(domain, cause)
    if (cause === "store" && after?.updatedAt != null) {
      Instruments.recordPropagation((clock.unsafeCurrentTimeMillis() - after.updatedAt.epochMillis) / 1000)
    }
  }

  /** Replace the whole state (the feed was pruned past us, or the store file was replaced). */
  const replaceAll = (entries: ReadonlyArray<ActivityEntry>) => {
    const incoming = new Set(entries.map((e) => rowId(e.domain, e.key)))
    for (const old of [...index.entries()]) {
      if (!incoming.has(rowId(old.domain, old.key))) apply(old.domain, old.key, null, "store")
    }
    for (const entry of entries) apply(entry.domain, entry.key, entry, "store")
  }

  /** Keys held after a replacement make the process unhealthy, with what to do, until none is left. */
  const syncHeld = () => {
    if (held.size > 0 || problems.has(HELD)) problems.set(HELD, held.problem(store.identity?.() ?? null, clock.unsafeCurrentTimeMillis()), "store")
  }

  /** The store file was swapped (and verified): adopt it, holding what a different store would lift. */
  const adopt = (replacement: NonNullable<ChangeBatch["replaced"]>, incoming: ReadonlyArray<ActivityEntry>) =>
    Effect.suspend(() => {
      const { enforced, record } = held.adopt([...index.entries()], incoming, replacement, clock.unsafeCurrentTimeMillis())
      replaceAll(enforced)
      link.replaced(record)
      syncHeld()
      return logReplacement(record, store.describe, held.size)
    })

  /** Read what changed since the position applied and apply it: a span per tick that found a change, none when idle. */
  const applyChanges = Effect.gen(function*() {
    const batch = yield* store.changesSince(appliedSeq)
    const rows = () => batch.changed.flatMap((c) => (c.entry === null ? [] : [c.entry]))
    if (batch.replaced !== undefined) yield* adopt(batch.replaced, rows())
    else if (batch.reset) replaceAll(held.enforceAll(rows()))
    else for (const change of batch.changed) apply(change.domain, change.key, held.enforce(change.domain, change.key, change.entry), "store")
    syncHeld()
    yield* Effect.annotateCurrentSpan({ from: appliedSeq, to: batch.seq, changed: batch.changed.length, reset: batch.reset })
    advance(batch.seq)
  }).pipe(Effect.withSpan("Supervisor.applyChanges"))

  const tick = lock.withPermits(1)(Effect.gen(function*() {
    // A push said the feed moved past us: read the changes straight away (the token is read again next poll).
    const pushed = phase === "running" && link.pushedSeq > appliedSeq
    const next = pushed ? null : yield* store.changeToken
    if (phase === "starting") {
      const snapshot = yield* store.snapshot
      // Nobody can have subscribed before the first load: fill the index without a delta per row.
      for (const entry of snapshot.entries) index.set(entry.domain, entry.key, entry)
      advance(snapshot.seq)
      phase = "running"
      yield* Deferred.succeed(ready, undefined)
      yield* Effect.logInfo("Supervisor.load").pipe(Effect.annotateLogs({ keys: index.size, store: store.describe }))
    } else if (pushed || next !== token) {
      yield* applyChanges
    }
    token = next
    const due = index.nextExpiry()
    if (due !== undefined && due <= clock.unsafeCurrentTimeMillis()) {
      for (const t of yield* store.expireDue) apply(t.domain, t.key, null, "expired")
      // Rows another process expired first come back through the feed; drop what is still due here.
      for (const entry of index.expiredAt(clock.unsafeCurrentTimeMillis())) apply(entry.domain, entry.key, null, "expired")
      syncHeld()
    }
  }))

  const recordFailure = (cause: Cause.Cause<unknown>) =>
    Effect.gen(function*() {
      failures++
      lastError = causeMessage(cause)
      link.failed(clock.unsafeCurrentTimeMillis())
      if (healthy) {
        yield* Effect.logWarning(
          phase === "running"
            ? "Supervisor.tick failed; enforcing the last known state, retrying with backoff"
            : "Supervisor.tick failed; retrying with backoff",
          cause
        ).pipe(Effect.annotateLogs({ store: store.describe, applied_seq: appliedSeq }))
      }
      healthy = false
    })

  const recordSuccess = (ms: number) => Effect.suspend(() => {
    const recovered = !healthy
    const down = link.succeeded(ms, problems.storeCount > 0)
    healthy = true
    failures = 0
    lastError = null
    lastGoodAt = clock.unsafeCurrentTimeMillis()
    return recovered
      ? Effect.zipRight(
        backoff.reset,
        Effect.logInfo("Supervisor.tick recovered").pipe(
          Effect.annotateLogs({ store: store.describe, applied_seq: appliedSeq, down_ms: down === null ? 0 : lastGoodAt - down })
        )
      )
      : Effect.void
  })

  /**
   * The wait before the next tick, cut short by a wake (a watcher, a refresh): while the store
   * fails, the backoff; otherwise the poll interval, or less when an expiry falls due sooner.
   */
  const pause = Effect.suspend(() => {
    // The schedule never ends: its "done" cannot happen.
    if (failures > 0) return wakeup.until(Effect.orDie(backoff.next(undefined)))
    const due = index.nextExpiry()
    return wakeup.sleep(due === undefined ? pollMs : Math.min(pollMs, Math.max(0, due - clock.unsafeCurrentTimeMillis())))
  })

  const runTick = Effect.gen(function*() {
    lastTickAt = clock.unsafeCurrentTimeMillis()
    const started = performance.now()
    yield* tick.pipe(Effect.matchCauseEffect({ onFailure: recordFailure, onSuccess: () => recordSuccess(performance.now() - started) }))
    lastTickMs = performance.now() - started
    ticks++
    problems.notify()
    Instruments.recordTick(lastTickMs / 1000)
  })

  const loop = Effect.forever(Effect.zipRight(pause, runTick))

  const watch = watchStoreFile(store.file, config.watchersEnabled, wakeup.wake, (on) => {
    watching = on
  })

  /**
   * A push that carries its row, exactly one position past the applied one, is applied as it is: the
   * feed needs no reading for it. Anything else (a gap, a row too long for the push) wakes the loop.
   */
  const applyPushed = (signal: StoreSignal) =>
    lock.withPermits(1)(Effect.sync(() => {
      if (signal._tag === "Changed" && signal.change !== undefined && phase === "running" && signal.seq === appliedSeq + 1) {
        apply(signal.change.domain, signal.change.key, held.enforce(signal.change.domain, signal.change.key, signal.change.entry), "store")
        advance(signal.seq)
      } else if (signal._tag !== "Changed" || signal.seq > appliedSeq) wakeup.wake()
    }))

  /**
   * A store that pushes its commits (PostgreSQL): each one is applied at once (or wakes the loop), and
   * every (re)connection of the push channel wakes it too, so whatever was committed while it was down
   * is caught up from the applied feed position. The poll goes on regardless: it is the fallback.
   */
  const follow = (signals: NonNullable<typeof store.signals>) =>
    Effect.forkScoped(
      Stream.runForEach(signals, (signal) => Effect.zipRight(Effect.sync(() => link.signal(signal)), applyPushed(signal))).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("Supervisor.follow failed", cause))
      )
    )

  if (enabled) {
    yield* watch
    if (store.signals !== undefined) yield* follow(store.signals)
    // The first load happens while the layer is built, so a process usually starts with its state;
    // if the store is unavailable it starts anyway (gates refuse with `starting`) and keeps trying.
    yield* runTick
    yield* Effect.forkScoped(loop)
  } else {
    yield* Deferred.succeed(ready, undefined)
  }

  const accepts = (domain: Domain, key: string): boolean =>
    !enabled || (phase === "running" && !index.refuses(domain, key, clock.unsafeCurrentTimeMillis()))

  const refusal = (domain: Domain, key: string): WorkRejected | null => {
    // Disabled by configuration: no gating at all (the original's behaviour).
    if (!enabled) return null
    if (phase !== "running") return new WorkRejected({ domain, key, state: phase, rule: null, note: null })
    if (!index.refuses(domain, key, clock.unsafeCurrentTimeMillis())) return null
    const state = index.stateOf(domain, key, now())
    if (!state.paused && !state.draining) return null
    return new WorkRejected({ domain, key, state: state.paused ? "paused" : "draining", rule: state.rule?.key ?? null, note: state.note })
  }

  const subscribe = (options?: ChangeOptions) =>
    Effect.map(PubSub.subscribe(deltas), (subscription) => {
      // Subscribed before the replay is read, so nothing falls between the two.
      const replay = options?.replay === true
        ? [...index.entries()].map((after) => new ActivityDelta({ domain: after.domain, key: after.key, before: null, after, cause: "replay" }))
        : []
      const wanted = (delta: ActivityDelta) => options?.domain === undefined || delta.domain === options.domain
      return Stream.concat(Stream.fromIterable(replay), Stream.fromQueue(subscription)).pipe(Stream.filter(wanted))
    })


  const storeLink = () =>
    enabled
      ? link.link({
        reachable: healthy && problems.storeCount === 0,
        loaded: phase === "running",
        lastGoodAt,
        held: held.size,
        error: lastError ?? problems.message(true)
      })
      : null

  const service: SupervisorService = {
    shouldAcceptWork: accepts,
    refusal,
    stateOf: (domain, key) => index.stateOf(domain, key, now()),
    isDraining: (domain, key) => index.refuses(domain, key, clock.unsafeCurrentTimeMillis()) && index.stateOf(domain, key, now()).draining,
    snapshot: () => [...index.entries()],
    appliedSeq: () => appliedSeq,
    status: Effect.sync(() =>
      new SupervisorStatus({
        enabled,
        phase,
        running: enabled && phase !== "shutting-down",
        healthy: isHealthy(),
        pollIntervalMs: pollMs,
        watching,
        lastTickAt: lastTickAt === null ? null : DateTime.unsafeMake(lastTickAt),
        lastTickMs,
        ticks,
        lastError: lastError ?? problems.message(),
        lagMs: lastGoodAt === null ? 0 : Math.max(0, clock.unsafeCurrentTimeMillis() - lastGoodAt),
        appliedSeq,
        keys: index.size,
        store: storeLink()
      })
    ),
    subscribe,
    changes: (options) => Stream.unwrapScoped(subscribe(options)),
    transition: (request: TransitionRequest) =>
      Effect.tap(store.transition(request), (result) => {
        if (result.expired !== null) apply(request.domain, request.key, null, "expired")
        apply(request.domain, request.key, held.enforce(request.domain, request.key, result.after), "local")
        syncHeld()
        // In effect here already; a tick now moves the applied feed position past it, for whoever waits on it.
        if (enabled) wakeup.wake()
      }).pipe(Effect.withSpan("Supervisor.transition", { attributes: { domain: request.domain, key: request.key, action: request.action } })),
    onApplied: (listener) => {
      appliedListeners.add(listener)
      return () => void appliedListeners.delete(listener)
    },
    onHealthChanged: (listener) => problems.onChange(listener),
    refresh: Effect.suspend(() => (enabled ? tick : Effect.void)),
    reportHealth: (source, problem, cause) =>
      Effect.suspend(() => {
        const had = problems.set(source, problem, cause)
        // The store is down from the first part of the process that finds it so, whichever that is.
        if (problem !== null && cause === "store") link.failed(clock.unsafeCurrentTimeMillis())
        else if (problems.storeCount === 0 && healthy) link.recovered()
        if (problem !== null && !had) return Effect.logWarning(`Supervisor.health: ${source} failing`).pipe(Effect.annotateLogs({ error: problem }))
        if (problem === null && had) return Effect.logInfo(`Supervisor.health: ${source} recovered`)
        return Effect.void
      }),
    awaitReady: Deferred.await(ready),
    beginShutdown: Effect.sync(() => {
      phase = "shutting-down"
    })
  }
  return service
})
