/**
 * Instances: this process's row in the store's instance table. It publishes its non-zero in-flight
 * counts and how far it has followed the change feed on a heartbeat, and at once when a draining
 * key reaches zero or a change arrives, so a separate `oneiric drain --wait` can tell when every
 * live process has drained (DESIGN §4).
 */
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as crypto from "node:crypto"
import * as os from "node:os"
import { ActivityStore } from "./ActivityStore.js"
import { causeMessage } from "./Domain/Errors.js"
import { InflightCount, InstanceReport } from "./Domain/Instance.js"
import { makeWakeup } from "./Internal/Wakeup.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

/** How often an instance publishes when nothing happens; a row older than 3 of these is stale. */
export const DEFAULT_HEARTBEAT_MS = 1_000

/**
 * Rows of processes that died without removing theirs (SIGKILL, a lost node) stay listed as stale
 * for this long, then the next process to start removes them: replicas come and go all day on
 * Cloud Run, and the table must not grow with them.
 */
export const STALE_ROWS_KEPT_MS = 60 * 60 * 1_000

/** How long a stopping process tries to remove its row. */
const REMOVE_TIMEOUT_MS = 2_000

export interface InstancesService {
  readonly id: string
  readonly startedAt: DateTime.Utc
}

export class Instances extends Context.Tag("oneiric/Instances")<Instances, InstancesService>() {
  static layer = (options?: { readonly heartbeatMs?: number | undefined }): Layer.Layer<Instances, never, ActivityStore | Supervisor | WorkGate> =>
    Layer.scoped(Instances, make(options?.heartbeatMs ?? DEFAULT_HEARTBEAT_MS))
}

const make = (heartbeatMs: number) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const supervisor = yield* Supervisor
    const gate = yield* WorkGate
    const id = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`
    const startedAt = yield* DateTime.now
    const wakeup = yield* makeWakeup

    const removeLongGone = Effect.gen(function*() {
      const now = DateTime.toEpochMillis(yield* DateTime.now)
      const gone = (yield* store.instances).filter((r) => now - DateTime.toEpochMillis(r.heartbeatAt) > STALE_ROWS_KEPT_MS)
      yield* Effect.forEach(gone, (r) => store.removeInstance(r.id), { discard: true })
    })

    const publish = Effect.gen(function*() {
      const report = new InstanceReport({
        id,
        pid: process.pid,
        host: os.hostname(),
        startedAt,
        heartbeatAt: yield* DateTime.now,
        heartbeatIntervalMs: heartbeatMs,
        appliedSeq: supervisor.appliedSeq(),
        inflight: gate.inflightAll()
      })
      yield* store.publishInstance(report)
    }).pipe(
      // Without a heartbeat, `drain --wait` elsewhere cannot see this process: that is unhealthy.
      Effect.matchCauseEffect({
        onFailure: (cause) => supervisor.reportHealth("instance heartbeat", causeMessage(cause), "store"),
        onSuccess: () => supervisor.reportHealth("instance heartbeat", null)
      })
    )

    // A draining key just went idle: the waiting operator should hear it now, not at the next heartbeat.
    const stopListening = gate.onIdle((domain, key) => {
      if (supervisor.refusal(domain, key)?.state === "draining") wakeup.wake()
    })
    yield* Effect.addFinalizer(() => Effect.sync(stopListening))

    // A change from the store (a drain, say) is acknowledged at once with the new feed position.
    const stopFollowing = supervisor.onApplied(() => wakeup.wake())
    yield* Effect.addFinalizer(() => Effect.sync(stopFollowing))
    const changes = yield* supervisor.subscribe()
    yield* Effect.forkScoped(
      Stream.runForEach(changes, (delta) => Effect.sync(() => (delta.cause === "local" ? undefined : wakeup.wake()))).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("Instances.follow failed", cause))
      )
    )

    // The final report: a process that had to interrupt work (or stops with work still running, which
    // stops with it) leaves its row with what it cut, so `drain --wait` elsewhere can say so; otherwise
    // the row goes. Bounded: an unreachable shared store must not eat the shutdown budget (a row left
    // behind goes stale by itself).
    const finalReport = Effect.gen(function*() {
      const cut = mergeCounts([...gate.interruptedAtShutdown(), ...gate.inflightAll()])
      if (cut.length === 0) return yield* store.removeInstance(id)
      const now = yield* DateTime.now
      yield* store.publishInstance(new InstanceReport({
        id,
        pid: process.pid,
        host: os.hostname(),
        startedAt,
        heartbeatAt: now,
        heartbeatIntervalMs: heartbeatMs,
        appliedSeq: supervisor.appliedSeq(),
        inflight: [],
        stoppedAt: now,
        interrupted: cut
      }))
      yield* Effect.logWarning("Instances.stop: work was interrupted at shutdown").pipe(
        Effect.annotateLogs({ interrupted: cut.map((c) => `${c.domain}/${c.key}=${c.count}`).join(",") })
      )
    })
    yield* Effect.addFinalizer(() =>
      finalReport.pipe(
        Effect.disconnect,
        Effect.timeoutFail({ duration: REMOVE_TIMEOUT_MS, onTimeout: () => `no answer within ${REMOVE_TIMEOUT_MS} ms` }),
        Effect.catchAllCause((cause) => Effect.logWarning("Instances.remove failed", cause))
      )
    )
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(publish, wakeup.sleep(heartbeatMs))))
    yield* Effect.forkScoped(removeLongGone.pipe(Effect.catchAllCause((cause) => Effect.logWarning("Instances.prune failed", cause))))

    return { id, startedAt } satisfies InstancesService
  })

/** Counts per key summed (a key can be both interrupted already and still running). */
const mergeCounts = (counts: ReadonlyArray<InflightCount>): Array<InflightCount> => {
  const byKey = new Map<string, InflightCount>()
  for (const c of counts) {
    const id = `${c.domain}\u0000${c.key}`
    const seen = byKey.get(id)
    byKey.set(id, seen === undefined ? c : new InflightCount({ domain: c.domain, key: c.key, count: seen.count + c.count }))
  }
  return [...byKey.values()]
}
