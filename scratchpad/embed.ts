/**
 * Embedding example: an app that gates its own handlers on the supervisor state, with its own
 * store Layer. Run: `npx tsx scratchpad/embed.ts` (in-memory store) or
 * `npx tsx scratchpad/embed.ts .oneiric_cache/domain_activity.sqlite` (the CLI's store: try
 * `npx oneiric pause --domain task --key reports.daily` in another terminal first).
 */
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ActivityKey, ActivityStore } from "../src/index.js"
import type { Domain } from "../src/index.js"

class Refused extends Data.TaggedError("Refused")<{ readonly message: string }> {}

/** Run `handler` only when `(domain, key)` accepts work; otherwise say which rule refused it. */
const gated = <A, E, R>(domain: Domain, key: string, handler: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const state = yield* store.effective(domain, ActivityKey.make(key))
    if (!state.accepting) {
      return yield* new Refused({ message: `${domain}/${key} is ${state.state} (rule ${state.rule?.key}: ${state.note ?? "no note"})` })
    }
    return yield* handler
  })

export const main = Effect.gen(function*() {
  const store = yield* ActivityStore
  const report = gated("task", "reports.daily", Console.log("reports.daily: ran"))
  yield* report.pipe(Effect.catchTag("Refused", (e) => Console.log(`refused: ${e.message}`)))
  yield* store.transition({ domain: "task", key: ActivityKey.make("reports.*"), action: "pause", note: "month-end freeze", actor: "embed-example", source: "api" })
  yield* report.pipe(Effect.catchTag("Refused", (e) => Console.log(`refused: ${e.message}`)))
  yield* store.transition({ domain: "task", key: ActivityKey.make("reports.*"), action: "resume", actor: "embed-example", source: "api" })
  yield* report
  const history = yield* store.history({ domain: "task", limit: 5 })
  yield* Console.log(`history: ${history.map((t) => `${t.action} ${t.key} by ${t.actor}`).join("; ")}`)
})

const file = process.argv[2]
const StoreLayer: Layer.Layer<ActivityStore, unknown> = file === undefined ? ActivityStore.layerMemory : ActivityStore.layerSqlite({ filename: file })

if (import.meta.url === `file://${process.argv[1]}`) {
  Effect.runPromise(Effect.provide(main, StoreLayer)).catch((error) => {
    console.error(String(error))
    process.exit(1)
  })
}
