/**
 * Metrics: Prometheus text for `GET /metrics` — the state of every key per domain, transitions and
 * rejections seen by this process, work in flight, and the supervisor's tick.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { stateOfFlags } from "./Domain/Activity.js"
import { Domains } from "./Domain/Domain.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

export interface MetricsService {
  /** The exposition text (format 0.0.4). */
  readonly render: Effect.Effect<string>
}

export class Metrics extends Context.Tag("oneiric/Metrics")<Metrics, MetricsService>() {
  static layer: Layer.Layer<Metrics, never, Supervisor | WorkGate> = Layer.scoped(Metrics, Effect.gen(function*() {
    const supervisor = yield* Supervisor
    const gate = yield* WorkGate
    const transitions = new Map<string, number>()
    const deltas = yield* supervisor.subscribe()
    yield* Effect.forkScoped(
      Stream.runForEach(deltas, (delta) =>
        Effect.sync(() => {
          const label = `domain="${delta.domain}",cause="${delta.cause}"`
          transitions.set(label, (transitions.get(label) ?? 0) + 1)
        })).pipe(Effect.catchAllCause((cause) => Effect.logWarning("Metrics.follow failed", cause)))
    )
    return {
      render: Effect.map(supervisor.status, (status) => {
        const lines: Array<string> = []
        const metric = (name: string, type: string, help: string, samples: ReadonlyArray<readonly [string, number]>) => {
          lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
          for (const [labels, value] of samples) lines.push(labels === "" ? `${name} ${value}` : `${name}{${labels}} ${value}`)
        }
        const byState = new Map<string, number>()
        for (const entry of supervisor.snapshot()) {
          const label = `domain="${entry.domain}",state="${stateOfFlags(entry)}"`
          byState.set(label, (byState.get(label) ?? 0) + 1)
        }
        const inflight = new Map<string, number>(Domains.map((d) => [d, 0]))
        for (const c of gate.inflightAll()) inflight.set(c.domain, (inflight.get(c.domain) ?? 0) + c.count)
        metric("oneiric_activity_keys", "gauge", "Stored rows by domain and own state (wildcard rules included).", [...byState])
        metric("oneiric_transitions_total", "counter", "State changes this process applied, by domain and how they arrived.", [...transitions])
        metric(
          "oneiric_rejections_total",
          "counter",
          "Work refused by the gate, by domain and refusing state.",
          gate.rejections().map((r) => [`domain="${r.domain}",state="${r.state}"`, r.count] as const)
        )
        metric("oneiric_inflight", "gauge", "Gated work running in this process, by domain.", [...inflight].map(([d, n]) => [`domain="${d}"`, n] as const))
        metric("oneiric_supervisor_healthy", "gauge", "1 when the supervisor's last tick succeeded.", [["", status.healthy ? 1 : 0]])
        metric("oneiric_supervisor_tick_duration_seconds", "gauge", "Duration of the last supervisor tick.", [["", status.lastTickMs / 1000]])
        metric("oneiric_supervisor_ticks_total", "counter", "Supervisor ticks run.", [["", status.ticks]])
        metric("oneiric_supervisor_applied_seq", "gauge", "Change-feed position applied.", [["", status.appliedSeq]])
        return lines.join("\n") + "\n"
      })
    }
  }))
}
