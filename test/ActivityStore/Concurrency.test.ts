/** Two real processes flip the same keys at random on one SQLite file: no transition is lost. */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ActivityStore } from "../../src/ActivityStore.js"
import { tempDir } from "../helpers.js"
import { checkNothingLost, hammerTogether } from "./hammer.js"

const PER_PROCESS = 500

describe("two processes on one SQLite store", () => {
  it.live(`${PER_PROCESS} random transitions each lose nothing`, () =>
    Effect.gen(function*() {
      expect(fs.existsSync(fileURLToPath(new URL("../../dist/index.js", import.meta.url)))).toBe(true)
      // A fresh file: both processes also race to create the schema.
      const filename = path.join(tempDir(), "domain_activity.sqlite")
      const operations = yield* hammerTogether(filename, 2, PER_PROCESS)
      const switches = yield* Effect.provide(checkNothingLost(operations), ActivityStore.layerSqlite({ filename }))
      // Both processes really interleaved.
      expect(switches).toBeGreaterThan(10)
    }), 120_000)
})
