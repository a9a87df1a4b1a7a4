/**
 * The health snapshot writer: builds the snapshot from the services and writes it at start, after
 * every supervisor delta or component state change (coalesced), on a heartbeat, on request, at the
 * start of shutdown and, as the layer's scope closes, once more with the process marked stopped.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as os from "node:os"
import { ConfigResolver } from "../ConfigResolver.js"
import { InstanceInfo } from "../Domain/Health.js"
import type { HealthSnapshotService, RuntimeHealthSnapshot } from "../Domain/Health.js"
import { Instances } from "../Instances.js"
import { Lifecycle } from "../Lifecycle.js"
import { Supervisor } from "../Supervisor.js"
import { WorkGate } from "../WorkGate.js"
import { makeWakeup } from "../Internal/Wakeup.js"
import { buildSnapshot } from "./Build.js"
import type { WriterPhase } from "./Build.js"
import type { SnapshotSink } from "./File.js"

const DEFAULT_COALESCE_MS = 50

export interface WriterOptions {
  /** Write at least this often when nothing changes (default: the configuration's `health_interval_ms`). */
  readonly heartbeatMs?: number | undefined
  /** At most one write per this window during a burst of changes (default 50 ms). */
  readonly coalesceMs?: number | undefined
}

/** The source under which a failing write makes the supervisor report itself unhealthy. */
const SOURCE = "health snapshot"

export const makeWriter = (sink: SnapshotSink, options: WriterOptions) =>
  Effect.gen(function*() {
    const config = yield* ConfigResolver
    const supervisor = yield* Supervisor
    const gate = yield* WorkGate
    const instances = yield* Instances
    const lifecycle = yield* Lifecycle
    const heartbeatMs = options.heartbeatMs ?? config.healthIntervalMs
    const coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS
    const instance = new InstanceInfo({ id: instances.id, pid: process.pid, host: os.hostname(), startedAt: instances.startedAt })
    const wakeup = yield* makeWakeup
    // One write at a time: the heartbeat, a delta and `writeNow` must not race their renames.
    const lock = yield* Effect.makeSemaphore(1)

    let phase: WriterPhase = "running"
    let last: RuntimeHealthSnapshot | null = null
    let failing = false

    const build = Effect.gen(function*() {
      return buildSnapshot({
        now: yield* DateTime.now,
        phase,
        config,
        supervisor: yield* supervisor.status,
        rows: supervisor.snapshot(),
        inflight: gate.inflight,
        components: yield* lifecycle.components,
        instance,
        heartbeatMs
      })
    })

    const write = lock.withPermits(1)(
      Effect.gen(function*() {
        const snapshot = yield* build
        const written = yield* Effect.either(sink.write(snapshot))
        if (written._tag === "Left") {
          // Readiness over HTTP should say so; a probe reading the file sees it go stale.
          failing = true
          yield* supervisor.reportHealth(SOURCE, written.left.message)
          return yield* Effect.fail(written.left)
        }
        last = snapshot
        if (failing) {
          failing = false
          yield* supervisor.reportHealth(SOURCE, null)
          // The snapshot just written still carries the failure: write a clean one.
          wakeup.wake()
        }
        return snapshot
      }).pipe(Effect.withSpan("HealthSnapshot.write"))
    )

    // Failures are already reported through the supervisor; only a defect is worth a log line here.
    const writeQuietly = write.pipe(
      Effect.catchTag("HealthWriteFailed", () => Effect.void),
      Effect.catchAllCause((cause) => Effect.logWarning("HealthSnapshot.write failed", cause))
    )

    // Registered first so that it runs last: after the fibers below are interrupted.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        phase = "stopped"
        return writeQuietly
      })
    )

    yield* writeQuietly

    const deltas = yield* supervisor.subscribe()
    const components = yield* lifecycle.subscribe
    const follow = <A>(stream: Stream.Stream<A>, name: string) =>
      Effect.forkScoped(
        Stream.runForEach(stream, () => Effect.sync(wakeup.wake)).pipe(
          Effect.catchAllCause((cause) => Effect.logWarning(`HealthSnapshot.${name} failed`, cause))
        )
      )
    yield* follow(deltas, "followDeltas")
    yield* follow(components, "followComponents")
    // A store fault (or its end) is in the file at once, not at the next heartbeat: `health --probe` reads the file.
    const stopListening = supervisor.onHealthChanged(() => wakeup.wake())
    yield* Effect.addFinalizer(() => Effect.sync(stopListening))
    // An empty store loads without a single delta: readiness must not wait for the heartbeat.
    yield* Effect.forkScoped(Effect.zipRight(supervisor.awaitReady, Effect.sync(wakeup.wake)))

    // Leading edge: a delta is written at once; the rest of a burst waits out `coalesceMs` and is written once.
    yield* Effect.forkScoped(
      Effect.forever(
        wakeup.sleep(Math.max(0, heartbeatMs - coalesceMs)).pipe(
          Effect.zipRight(writeQuietly),
          Effect.zipRight(Effect.sleep(coalesceMs))
        )
      )
    )

    const service: HealthSnapshotService = {
      location: sink.location,
      current: build,
      writeNow: write,
      beginShutdown: Effect.suspend(() => {
        if (phase === "running") phase = "shutting-down"
        return writeQuietly
      }),
      read: sink.read,
      lastWritten: Effect.sync(() => last)
    }
    return service
  })
