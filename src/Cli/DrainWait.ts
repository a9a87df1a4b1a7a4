/** `drain --wait`: follow the live instances' in-flight counts until they reach zero or the deadline. */
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import { ActivityStore } from "../ActivityStore.js"
import type { Domain } from "../Domain/Domain.js"
import { DrainWait } from "../Domain/Drain.js"
import { inflightUnder } from "../Domain/Inflight.js"

/** How often the instance table is read while waiting: the drain returns within this of the last completion's publish. */
const POLL_MS = 20

export interface WaitOptions {
  readonly domain: Domain
  readonly key: string
  /** The drain's change-feed position: an instance that has applied it refuses new work. */
  readonly seq: number
  readonly timeoutMs: number
  /** Progress: a live line on a terminal, plain lines when the count changes otherwise, nothing for JSON. */
  readonly progress: "tty" | "lines" | "none"
}

export const waitForDrain = (options: WaitOptions) =>
  Effect.gen(function*() {
    const store = yield* ActivityStore
    const start = DateTime.toEpochMillis(yield* DateTime.now)
    let shown = ""
    while (true) {
      const now = yield* DateTime.now
      const waited = DateTime.toEpochMillis(now) - start
      const view = inflightUnder(yield* store.instances, options.domain, options.key, options.seq, now)
      const unacknowledged = view.instances.filter((i) => !i.acknowledged).length
      const done = view.total === 0 && unacknowledged === 0
      if (done || waited >= options.timeoutMs) {
        if (options.progress === "tty" && shown !== "") yield* Effect.sync(() => process.stdout.write("\r\u001b[K"))
        return new DrainWait({ drained: done, remaining: view.total, waitedMs: waited, timeoutMs: options.timeoutMs, instances: view.instances, stale: view.stale })
      }
      const line = `${options.domain}/${options.key}: ${view.total} in flight on ${view.instances.length} instance(s)` +
        (unacknowledged > 0 ? `, ${unacknowledged} yet to apply the drain` : "")
      if (line !== shown) {
        if (options.progress === "tty") yield* Effect.sync(() => process.stdout.write(`\r\u001b[K${line} (${(waited / 1000).toFixed(1)}s)`))
        else if (options.progress === "lines") yield* Console.log(line)
        shown = line
      }
      yield* Effect.sleep(POLL_MS)
    }
  })
