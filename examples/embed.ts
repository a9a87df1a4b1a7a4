/**
 * Embedding example: an app that gates its own handlers with WorkGate and the event bridge, and
 * provides its own store Layer (here the in-memory store, wrapped to audit every transition; a
 * real app could put its own persistence there). Run: `npx tsx examples/embed.ts`.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  ActivityKey,
  ActivityStore,
  ConfigResolver,
  countByOutcome,
  makeEventDispatcher,
  Supervisor,
  use,
  WorkGate
} from "../src/index.js"

/** The app's own store Layer: the memory store, with an audit line per transition. */
const AuditedStore = Layer.effect(
  ActivityStore,
  Effect.map(ActivityStore, (inner) => ({
    ...inner,
    transition: (request) =>
      Effect.tap(inner.transition(request), (result) => Console.log(`audit: ${request.action} ${request.domain}/${request.key} by ${request.actor} (seq ${result.transition?.seq})`))
  }))
).pipe(Layer.provide(ActivityStore.layerMemory))

/** Supervisor + gate over the app's store and a static configuration (no files, no env). */
export const AppLive = WorkGate.layer.pipe(
  Layer.provideMerge(Supervisor.layer),
  Layer.provideMerge(AuditedStore),
  Layer.provideMerge(ConfigResolver.layerStatic())
)

const pause = (domain: "task" | "event", key: string, note: string) =>
  Effect.flatMap(Supervisor, (s) => s.transition({ domain, key: ActivityKey.make(key), action: "pause", note, actor: "embed-example", source: "api" }))
const resume = (domain: "task" | "event", key: string) =>
  Effect.flatMap(Supervisor, (s) => s.transition({ domain, key: ActivityKey.make(key), action: "resume", actor: "embed-example", source: "api" }))

export const main = Effect.gen(function*() {
  yield* (yield* Supervisor).awaitReady

  // A task handler, gated by `use` (a WorkGate.run for adapters/services/tasks).
  const report = use("task", "reports.daily", Console.log("reports.daily: ran")).pipe(
    Effect.catchTag("WorkRejected", (refused) => Console.log(`refused: ${refused.message}`))
  )
  yield* report
  yield* pause("task", "reports.*", "month-end freeze")
  yield* report
  yield* resume("task", "reports.*")
  yield* report

  // Event handlers, each with its own key: a paused handler is `rejected`, never a failure.
  const events = yield* makeEventDispatcher<{ "order.created": { readonly id: string } }>()
  yield* events.register({ topic: "order.created", key: "orders.email", policy: "drop", handle: (e) => Console.log(`email for ${e.id}`) })
  yield* events.register({ topic: "order.created", key: "orders.invoice", policy: "drop", handle: (e) => Console.log(`invoice for ${e.id}`) })
  yield* pause("event", "orders.invoice", "invoicing migration")
  const results = yield* events.dispatch("order.created", { id: "A-1" })
  yield* Console.log(`dispatch: ${JSON.stringify(countByOutcome(results))}`)
  yield* Console.log(`in flight now: ${(yield* WorkGate).inflight("task", "reports.daily")}`)
})

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(Effect.provide(main, AppLive)).catch((error) => {
    console.error(String(error))
    process.exit(1)
  })
}
