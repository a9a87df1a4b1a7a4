/**
 * The instruments every part of the process records into (Effect `Metric`s): their names, labels and
 * buckets are the `/metrics` contract (README "Metrics"). Recording is synchronous and allocation-free
 * (label sets are built once), so the supervisor and the gate can record on their paths; the
 * exposition is the Metrics service's, loaded only by `oneiric run`.
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import type { Domain } from "../Domain/Domain.js"
import { Domains } from "../Domain/Domain.js"
import type { RejectionState } from "../Domain/Supervision.js"

/** How a change reached the supervisor (`ActivityDelta.cause` without the replays). */
export type TransitionCause = "local" | "store" | "expired"
const CAUSES: ReadonlyArray<TransitionCause> = ["local", "store", "expired"]
const REJECTION_STATES: ReadonlyArray<RejectionState> = ["paused", "draining", "starting", "shutting-down"]

/** Seconds, from 0.1 ms to ~13 s: ticks, propagation and most gated work fall well inside. */
const SECONDS = MetricBoundaries.exponential({ start: 0.0001, factor: 2, count: 18 })

const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

export const transitions = counter("oneiric_transitions_total", "State changes this process applied, by domain and how they arrived.")
export const rejections = counter("oneiric_rejections_total", "Work refused by the gate, by domain and refusing state.")
export const ticks = counter("oneiric_supervisor_ticks_total", "Supervisor ticks run.")
export const tickDuration = Metric.histogram("oneiric_supervisor_tick_duration_seconds", SECONDS, "Duration of a supervisor tick.")
export const propagationLag = Metric.histogram(
  "oneiric_propagation_lag_seconds",
  SECONDS,
  "From a change's commit (its updated_at) to this process enforcing it, for changes read from the store."
)
export const gatedWork = Metric.histogram("oneiric_gated_work_duration_seconds", SECONDS, "Duration of work run through the gate, by domain.")

/** Label sets built once: `unsafeUpdate` caches its hook by the identity of the array it is given. */
const labelSets = <A extends string, B extends string>(aName: string, as: ReadonlyArray<A>, bName: string, bs: ReadonlyArray<B>) =>
  new Map(as.flatMap((a) => bs.map((b) => [`${a}/${b}`, [MetricLabel.make(aName, a), MetricLabel.make(bName, b)]] as const)))

const byDomain = new Map(Domains.map((domain) => [domain, [MetricLabel.make("domain", domain)]] as const))
const byDomainCause = labelSets("domain", Domains, "cause", CAUSES)
const byDomainState = labelSets("domain", Domains, "state", REJECTION_STATES)
const NONE: ReadonlyArray<MetricLabel.MetricLabel> = []

export const recordTransition = (domain: Domain, cause: TransitionCause) => transitions.unsafeUpdate(1, byDomainCause.get(`${domain}/${cause}`)!)
export const recordRejection = (domain: Domain, state: RejectionState) => rejections.unsafeUpdate(1, byDomainState.get(`${domain}/${state}`)!)
/** Durations are recorded to the microsecond: finer digits are noise (and make `/metrics` hard to read). */
const micros = (seconds: number) => Math.round(Math.max(0, seconds) * 1e6) / 1e6

export const recordTick = (seconds: number) => {
  ticks.unsafeUpdate(1, NONE)
  tickDuration.unsafeUpdate(micros(seconds), NONE)
}
export const recordPropagation = (seconds: number) => propagationLag.unsafeUpdate(micros(seconds), NONE)
export const recordGatedWork = (domain: Domain, seconds: number) => gatedWork.unsafeUpdate(micros(seconds), byDomain.get(domain)!)

/** Registers every label combination at zero, so a series exists before its first event (dashboards, `rate()`). */
export const registerAll = () => {
  for (const labels of byDomainCause.values()) transitions.unsafeValue(labels)
  for (const labels of byDomainState.values()) rejections.unsafeValue(labels)
  for (const labels of byDomain.values()) gatedWork.unsafeValue(labels)
  ticks.unsafeValue(NONE)
  tickDuration.unsafeValue(NONE)
  propagationLag.unsafeValue(NONE)
}
