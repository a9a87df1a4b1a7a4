/**
 * Metrics: the Prometheus exposition of `GET /metrics`. Every figure is an Effect `Metric` — the
 * instruments the supervisor and the gate record into (`Internal/Instruments.ts`), plus gauges read at
 * scrape time (keys by state, work in flight, the supervisor's status, the process and its event loop)
 * — exported through OpenTelemetry's Prometheus serializer: no hand-written exposition text.
 * Loaded only by `oneiric run`.
 */
import * as Otel from "@effect/opentelemetry/Metrics"
import * as Resource from "@effect/opentelemetry/Resource"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as fs from "node:fs"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { ActivityState, stateOfFlags } from "./Domain/Activity.js"
import { Domains } from "./Domain/Domain.js"
import * as Instruments from "./Internal/Instruments.js"
import { VERSION } from "./Internal/Version.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

export interface MetricsService {
  /** The exposition text (Prometheus text format 0.0.4). */
  readonly render: Effect.Effect<string>
}

const gauge = (name: string, description: string) => Metric.gauge(name, { description })

const keys = gauge("oneiric_activity_keys", "Stored rows by domain and own state (wildcard rules included).")
const inflight = gauge("oneiric_inflight", "Gated work running in this process, by domain.")
const healthy = gauge("oneiric_supervisor_healthy", "1 when the supervisor's last tick succeeded and nothing reports a problem.")
const appliedSeq = gauge("oneiric_supervisor_applied_seq", "Change-feed position applied.")
const buildInfo = gauge("oneiric_build_info", "Always 1; the labels say which build and runtime this is.")
const cpuUser = Metric.counter("process_cpu_user_seconds_total", { description: "User CPU time spent, in seconds.", incremental: true })
const cpuSystem = Metric.counter("process_cpu_system_seconds_total", { description: "System CPU time spent, in seconds.", incremental: true })
const cpuTotal = Metric.counter("process_cpu_seconds_total", { description: "User and system CPU time spent, in seconds.", incremental: true })
const residentMemory = gauge("process_resident_memory_bytes", "Resident memory size, in bytes.")
const heapBytes = gauge("process_heap_bytes", "Heap size (V8 heap used), in bytes.")
const startTime = gauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.")
const openFds = gauge("process_open_fds", "Open file descriptors.")
const loopLag = gauge("nodejs_eventloop_lag_seconds", "Mean event-loop delay since the previous scrape, in seconds.")
const loopLagP99 = gauge("nodejs_eventloop_lag_p99_seconds", "99th percentile of the event-loop delay since the previous scrape, in seconds.")

const STATES: ReadonlyArray<ActivityState> = ActivityState.literals.filter((s) => s !== "accepting" && s !== "drained")
const NONE: ReadonlyArray<MetricLabel.MetricLabel> = []
const keyLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>(Domains.flatMap((domain) =>
  STATES.map((state) => [`${domain}/${state}`, [MetricLabel.make("domain", domain), MetricLabel.make("state", state)]] as const)
))
const domainLabels = new Map<string, ReadonlyArray<MetricLabel.MetricLabel>>(Domains.map((domain) => [domain, [MetricLabel.make("domain", domain)]]))
const buildLabels = [MetricLabel.make("version", VERSION), MetricLabel.make("node", process.version)]

const countOpenFds = (): number | undefined => {
  try {
    return fs.readdirSync("/proc/self/fd").length
  } catch {
    return undefined // not Linux: the gauge stays at its last value
  }
}

const make = Effect.gen(function*() {
  const supervisor = yield* Supervisor
  const gate = yield* WorkGate
  // Collected on demand (each scrape), never on a timer of its own.
  const exporter = new PrometheusExporter({ preventServerStart: true })
  yield* Layer.buildWithScope(Otel.layer(() => exporter), yield* Effect.scope).pipe(
    Effect.provide(Resource.layer({ serviceName: "oneiric-supervisor", serviceVersion: VERSION }))
  )
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true)

  const loop = monitorEventLoopDelay({ resolution: 10 })
  loop.enable()
  yield* Effect.addFinalizer(() => Effect.sync(() => loop.disable()))
  let cpu = process.cpuUsage()

  Instruments.registerAll()
  for (const labels of keyLabels.values()) keys.unsafeUpdate(0, labels)
  for (const labels of domainLabels.values()) inflight.unsafeUpdate(0, labels)
  buildInfo.unsafeUpdate(1, buildLabels)
  startTime.unsafeUpdate(Math.round((Date.now() - performance.now()) / 1000), NONE)

  /** The gauges read at scrape time. */
  const sample = Effect.map(supervisor.status, (status) => {
    const counts = new Map<string, number>([...keyLabels.keys()].map((id) => [id, 0]))
    for (const entry of supervisor.snapshot()) {
      const id = `${entry.domain}/${stateOfFlags(entry)}`
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const [id, n] of counts) keys.unsafeUpdate(n, keyLabels.get(id)!)
    const byDomain = new Map<string, number>(Domains.map((d) => [d, 0]))
    for (const c of gate.inflightAll()) byDomain.set(c.domain, (byDomain.get(c.domain) ?? 0) + c.count)
    for (const [domain, n] of byDomain) inflight.unsafeUpdate(n, domainLabels.get(domain)!)
    healthy.unsafeUpdate(status.healthy ? 1 : 0, NONE)
    appliedSeq.unsafeUpdate(status.appliedSeq, NONE)

    const used = process.cpuUsage(cpu)
    cpu = process.cpuUsage()
    cpuUser.unsafeUpdate(used.user / 1e6, NONE)
    cpuSystem.unsafeUpdate(used.system / 1e6, NONE)
    cpuTotal.unsafeUpdate((used.user + used.system) / 1e6, NONE)
    const memory = process.memoryUsage()
    residentMemory.unsafeUpdate(memory.rss, NONE)
    heapBytes.unsafeUpdate(memory.heapUsed, NONE)
    const fds = countOpenFds()
    if (fds !== undefined) openFds.unsafeUpdate(fds, NONE)
    // The histogram is in nanoseconds; NaN until the loop has been measured once.
    if (loop.count > 0) {
      loopLag.unsafeUpdate(loop.mean / 1e9, NONE)
      loopLagP99.unsafeUpdate(loop.percentile(99) / 1e9, NONE)
      loop.reset()
    }
  })

  return {
    render: Effect.zipRight(
      sample,
      Effect.promise(() => exporter.collect()).pipe(Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics)))
    )
  } satisfies MetricsService
})

export class Metrics extends Context.Tag("oneiric/Metrics")<Metrics, MetricsService>() {
  static layer: Layer.Layer<Metrics, never, Supervisor | WorkGate> = Layer.scoped(Metrics, make)
}
