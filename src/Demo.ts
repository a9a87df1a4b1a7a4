/**
 * The sample workload of `oneiric run --demo`: adapters, services and tasks used on a timer, an
 * event topic with two handlers, and a workflow DAG (`workflow/demo.fulfillment`). Once a second it
 * logs one summary line — how much ran and what was refused, by which rule — so an operator can watch
 * pause/drain/resume act; each outcome is also logged at debug (`--log-level debug`).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { makeEventDispatcher } from "./Bridges/Events.js"
import { use } from "./Bridges/Units.js"
import type { UnitDomain } from "./Bridges/Units.js"
import { start } from "./Bridges/Workflows.js"
import type { WorkflowDefinition } from "./Bridges/Workflows.js"
import { Lifecycle } from "./Lifecycle.js"
import { Supervisor } from "./Supervisor.js"
import { WorkGate } from "./WorkGate.js"

/** How often the demo drives its units. */
const TICK_MS = 1_000

const UNITS: ReadonlyArray<readonly [UnitDomain, string, number]> = [
  ["adapter", "demo.cache", 150],
  ["service", "demo.api", 300],
  ["task", "demo.report", 1_500]
]

const busy = (ms: number) => Effect.sleep(Math.round(ms * (0.5 + Math.random())))

const fulfillment: WorkflowDefinition = {
  key: "demo.fulfillment",
  concurrency: 2,
  onPause: "fail",
  holdTimeoutMs: 0,
  nodes: [
    { id: "reserve", taskKey: "demo.reserve", dependsOn: [], run: busy(200) },
    { id: "charge", taskKey: "demo.charge", dependsOn: ["reserve"], run: busy(300) },
    { id: "pack", taskKey: "demo.pack", dependsOn: ["reserve"], run: busy(300) },
    { id: "ship", taskKey: "demo.ship", dependsOn: ["charge", "pack"], run: busy(200) }
  ]
}

const detail = (message: string, annotations: Record<string, unknown>) => Effect.logDebug(message).pipe(Effect.annotateLogs(annotations))

/** `task/demo.report (paused by task/demo.*)`: what was refused, and the rule when it is not the key's own. */
const refusalText = (domain: string, key: string, state: string, rule: string | null) =>
  `${domain}/${key} (${state}${rule === null || rule === key ? "" : ` by ${domain}/${rule}`})`

/** What happened since the last summary line. */
const makeTally = () => {
  let ran = 0
  let refused = new Map<string, string>()
  return {
    ran: () => void ran++,
    refused: (domain: string, key: string, state: string, rule: string | null) => void refused.set(`${domain}/${key}`, refusalText(domain, key, state, rule)),
    /** The summary of the last second, or nothing when nothing finished; starts the next second. */
    take: (): string | undefined => {
      if (ran === 0 && refused.size === 0) return undefined
      const line = `demo: ${ran} ran, ${refused.size} refused${refused.size === 0 ? "" : `: ${[...refused.values()].sort().join(", ")}`}`
      ran = 0
      refused = new Map()
      return line
    }
  }
}

const demo = Effect.gen(function*() {
  const lifecycle = yield* Lifecycle
  for (const [domain, key] of UNITS) yield* Effect.orDie(lifecycle.registerScoped({ domain, key, check: Effect.void }))
  yield* Effect.orDie(lifecycle.registerScoped({ domain: "workflow", key: fulfillment.key }))

  const events = yield* makeEventDispatcher<{ "order.created": { readonly id: number } }>()
  for (const key of ["demo.email", "demo.invoice"]) {
    yield* Effect.orDie(events.register({ topic: "order.created", key, policy: "drop", handle: () => busy(100) }))
    yield* Effect.orDie(lifecycle.registerScoped({ domain: "event", key }))
  }

  const tally = makeTally()
  let order = 0
  const round = Effect.gen(function*() {
    for (const [domain, key, ms] of UNITS) {
      const unit = `${domain}/${key}`
      yield* Effect.forkScoped(
        use(domain, key, busy(ms)).pipe(
          Effect.matchEffect({
            onFailure: (refused) =>
              Effect.zipRight(Effect.sync(() => tally.refused(domain, key, refused.state, refused.rule)), detail("demo: refused", { unit, state: refused.state, rule: refused.rule })),
            onSuccess: () => Effect.zipRight(Effect.sync(tally.ran), detail("demo: done", { unit }))
          })
        )
      )
    }
    for (const result of yield* events.dispatch("order.created", { id: ++order })) {
      const unit = `event/${result.key}`
      if (result.outcome === "rejected") tally.refused("event", result.key, result.state, result.rule)
      else if (result.outcome === "delivered") tally.ran()
      yield* detail(`demo: event order.created ${result.outcome}`, { unit })
    }
    yield* Effect.forkScoped(
      Effect.flatMap(Effect.orDie(start(fulfillment)), (run) => {
        const unit = `workflow/${run.key}`
        if (run.refusal !== null) tally.refused("workflow", run.key, run.refusal.state, run.refusal.rule)
        for (const node of run.nodes) {
          if (node.outcome === "succeeded") tally.ran()
          else if (node.outcome === "failed" && node.refusal !== null) tally.refused(node.refusal.domain, node.refusal.key, node.refusal.state, node.refusal.rule)
        }
        return detail(`demo: workflow ${run.status}`, { unit, ...(run.refusal === null ? {} : { state: run.refusal.state, rule: run.refusal.rule }) })
      })
    )
  })
  const summary = Effect.suspend(() => {
    const line = tally.take()
    return line === undefined ? Effect.void : Effect.logInfo(line)
  })
  yield* (yield* Supervisor).awaitReady
  yield* Effect.forkScoped(Effect.repeat(Effect.catchAllCause(round, (cause) => Effect.logWarning("demo: round failed", cause)), Schedule.spaced(TICK_MS)))
  yield* Effect.forkScoped(Effect.repeat(summary, Schedule.spaced(TICK_MS)).pipe(Effect.delay(TICK_MS)))
  yield* Effect.logInfo("demo: started").pipe(
    Effect.annotateLogs({ units: UNITS.map(([d, k]) => `${d}/${k}`).join(","), workflow: `workflow/${fulfillment.key}`, events: "event/demo.email,event/demo.invoice" })
  )
})

/** The demo for as long as the layer lives. */
export const DemoLive: Layer.Layer<never, never, Lifecycle | Supervisor | WorkGate> = Layer.scopedDiscard(demo)
