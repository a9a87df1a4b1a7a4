/**
 * The sample workload of `oneiric run --demo`: adapters, services and tasks used on a timer, an
 * event topic with two handlers, and a workflow DAG (`workflow/demo.fulfillment`), each logging
 * what was accepted and what was refused, so an operator can watch pause/drain/resume act.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { countByOutcome, makeEventDispatcher } from "./Bridges/Events.js"
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

const log = (message: string, annotations: Record<string, unknown>) => Effect.logInfo(message).pipe(Effect.annotateLogs(annotations))

const demo = Effect.gen(function*() {
  const lifecycle = yield* Lifecycle
  for (const [domain, key] of UNITS) yield* Effect.orDie(lifecycle.registerScoped({ domain, key, check: Effect.void }))
  yield* Effect.orDie(lifecycle.registerScoped({ domain: "workflow", key: fulfillment.key }))

  const events = yield* makeEventDispatcher<{ "order.created": { readonly id: number } }>()
  for (const key of ["demo.email", "demo.invoice"]) {
    yield* Effect.orDie(events.register({ topic: "order.created", key, policy: "drop", handle: () => busy(100) }))
    yield* Effect.orDie(lifecycle.registerScoped({ domain: "event", key }))
  }

  let order = 0
  const round = Effect.gen(function*() {
    for (const [domain, key, ms] of UNITS) {
      yield* Effect.forkScoped(
        use(domain, key, busy(ms)).pipe(
          Effect.matchEffect({
            onFailure: (refused) => log("demo: refused", { unit: `${domain}/${key}`, state: refused.state, rule: refused.rule }),
            onSuccess: () => log("demo: done", { unit: `${domain}/${key}` })
          })
        )
      )
    }
    const results = yield* events.dispatch("order.created", { id: ++order })
    yield* log("demo: event order.created", countByOutcome(results))
    yield* Effect.forkScoped(
      Effect.flatMap(Effect.orDie(start(fulfillment)), (run) =>
        log(`demo: workflow ${run.status}`, { unit: `workflow/${run.key}`, ...(run.refusal === null ? {} : { state: run.refusal.state, rule: run.refusal.rule }) }))
    )
  })
  yield* (yield* Supervisor).awaitReady
  yield* Effect.forkScoped(Effect.repeat(Effect.catchAllCause(round, (cause) => Effect.logWarning("demo: round failed", cause)), Schedule.spaced(TICK_MS)))
  yield* Effect.logInfo("demo: started").pipe(
    Effect.annotateLogs({ units: UNITS.map(([d, k]) => `${d}/${k}`).join(","), workflow: `workflow/${fulfillment.key}`, events: "event/demo.email,event/demo.invoice" })
  )
})

/** The demo for as long as the layer lives. */
export const DemoLive: Layer.Layer<never, never, Lifecycle | Supervisor | WorkGate> = Layer.scopedDiscard(demo)
