/**
 * The cost of the supervisor's idle tick on a SQLite store: `changeToken` (what every poll reads when
 * nothing changed) timed over many calls. Usage: `npx tsx bench/idle-tick.ts [src dir] [calls]`
 * (the src dir lets the same script time an older checkout's store).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const [srcDir = path.join(import.meta.dirname, "..", "src"), callsArg = "20000"] = process.argv.slice(2)
const calls = Number(callsArg)
const { ActivityStore } = await import(path.resolve(srcDir, "ActivityStore.ts")) as typeof import("../src/ActivityStore.js")
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "idle-tick-"))
const filename = path.join(dir, "domain_activity.sqlite")

const program = Effect.gen(function*() {
  const store = yield* ActivityStore
  for (let i = 0; i < 1_000; i++) yield* store.changeToken // warm-up
  const samples: Array<number> = []
  for (let round = 0; round < 5; round++) {
    const start = performance.now()
    for (let i = 0; i < calls / 5; i++) yield* store.changeToken
    samples.push(((performance.now() - start) * 1000) / (calls / 5))
  }
  samples.sort((a, b) => a - b)
  return samples
})

const samples = await Effect.runPromise(Effect.scoped(Effect.flatMap(Layer.build(ActivityStore.layerSqlite({ filename })), (ctx) => Effect.provide(program, ctx))))
fs.rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify({ src: srcDir, calls, us_per_idle_tick_median: Math.round(samples[2]! * 100) / 100, us_min: Math.round(samples[0]! * 100) / 100, us_max: Math.round(samples[4]! * 100) / 100 }))
