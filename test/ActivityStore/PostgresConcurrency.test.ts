/**
 * Eight real processes flip twenty keys at random on one PostgreSQL store, 1,000 transitions each:
 * nothing is lost, and the history replayed in feed order gives the final state (writers serialise
 * on the schema's advisory lock, so feed order is commit order).
 */
import { expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { ActivityStore } from "../../src/ActivityStore.js"
import { describePg, pgDatabase } from "../postgres.js"
import { checkNothingLost, hammerTogether } from "./hammer.js"

const WRITERS = 8
const PER_PROCESS = 1_000
const KEYS = 20

const database = pgDatabase()

describePg("eight processes on one PostgreSQL store", () => {
  it.live(`${WRITERS} × ${PER_PROCESS} random transitions on ${KEYS} keys lose nothing`, () =>
    Effect.gen(function*() {
      // A fresh schema: all eight also race to migrate it.
      const url = database.store()
      const operations = yield* hammerTogether(url, WRITERS, PER_PROCESS, KEYS)
      const switches = yield* Effect.provide(checkNothingLost(operations), ActivityStore.layerPostgres({ url }))
      expect(switches).toBeGreaterThan(100)
      const changes = yield* Effect.provide(Effect.flatMap(ActivityStore, (store) => store.changesSince(0)), ActivityStore.layerPostgres({ url }))
      expect(changes.reset).toBe(false)
    }), 300_000)
})
